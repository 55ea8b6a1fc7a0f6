import SerializerSelector from '@fastify/fast-json-stringify-compiler';

/**
 * Schema compilers that compile a route's validator or serializer on its first request instead of
 * at start. Fastify compiles all of them when the app becomes ready: some 60 routes, each with a
 * body, query and several response schemas, compiled to JavaScript by Ajv and fast-json-stringify,
 * which held ~35 MB of an idle server's memory for routes most deployments never call (the whole
 * Twilio surface, admin routes). A route's first request pays its compile once (a few ms);
 * schemas are still checked at start, by the OpenAPI document and the schema tests.
 */
type Compile<R, F> = (route: R) => F;
type Factory<R, F> = (externalSchemas: unknown, options?: unknown) => Compile<R, F>;

interface ValidatorFn {
  (data: unknown): unknown;
  errors?: unknown;
}

export function lazyValidators<T extends (externalSchemas: any, options?: any) => (route: any) => any>(factory: T): T {
  const eager = factory as unknown as Factory<unknown, ValidatorFn>;
  const lazy: Factory<unknown, ValidatorFn> = (externalSchemas, options) => {
    let compile: Compile<unknown, ValidatorFn> | undefined;
    return (route) => {
      let compiled: ValidatorFn | undefined;
      const validate: ValidatorFn = (data) => {
        compile ??= eager(externalSchemas, options);
        compiled ??= compile(route);
        const result = compiled(data);
        // Fastify reads the failures from the function it was given.
        validate.errors = compiled.errors;
        return result;
      };
      return validate;
    };
  };
  return lazy as unknown as T;
}

type SerializerFn = (data: unknown) => string;

/** Fastify's default serializer compiler (fast-json-stringify), compiling each response schema on first use. */
export function lazySerializers(): ReturnType<typeof SerializerSelector> {
  const selector = SerializerSelector() as unknown as Factory<unknown, SerializerFn>;
  const lazy: Factory<unknown, SerializerFn> = (externalSchemas, options) => {
    let compile: Compile<unknown, SerializerFn> | undefined;
    return (route) => {
      let compiled: SerializerFn | undefined;
      return (data) => {
        compile ??= selector(externalSchemas, options);
        compiled ??= compile(route);
        return compiled(data);
      };
    };
  };
  return lazy as unknown as ReturnType<typeof SerializerSelector>;
}
