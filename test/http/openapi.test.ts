import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_FILE, documentText, TYPES_FILE, typesText } from '../../clients/generate.js';
import { buildApp } from '../../src/http/app.js';
import { openApiDocument } from '../../src/http/openapi-document.js';
import { documentServers } from '../../src/http/openapi-servers.js';
import { OPERATION_EXAMPLES } from '../../src/http/operation-examples.js';
import { documentPath, operationKey, OPERATIONS } from '../../src/http/operations.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

type Schema = { properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; description?: string; examples?: unknown[]; $ref?: string };

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

/** Every property of every request and response schema explains itself: a description or an example. */
function undocumented(schema: Schema | undefined, path: string, out: string[]): void {
  if (!schema || schema.$ref) return;
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (!prop.$ref && prop.description === undefined && prop.examples === undefined) out.push(`${path}.${name}`);
    undocumented(prop, `${path}.${name}`, out);
  }
  if (schema.items) undocumented(schema.items, `${path}[]`, out);
  for (const branch of schema.anyOf ?? []) undocumented(branch, path, out);
}

describe('OpenAPI document', () => {
  it('describes every field of every operation and component with a description or an example', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.summary, `${method} ${path} needs a summary`).toBeTruthy();
        undocumented(op.requestBody?.content?.['application/json']?.schema, `${method} ${path} body`, missing);
        for (const param of op.parameters ?? []) {
          if (!param.description && !param.schema?.description && !param.schema?.examples && param.in !== 'path') missing.push(`${method} ${path} ?${param.name}`);
        }
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          undocumented(response.content?.['application/json']?.schema, `${method} ${path} ${status}`, missing);
        }
      }
    }
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, Schema>)) undocumented(schema, name, missing);
    expect(missing).toEqual([]);
  });
});

type Operation = {
  operationId?: string; tags?: string[]; summary?: string; parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown; examples?: Record<string, { value: unknown }> }> }>;
};
const operationsOf = (doc: { paths: Record<string, Record<string, Operation>> }) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, op })));

describe('OpenAPI operations (src/http/operations.ts)', () => {
  it('has an entry for every served route, and no entry for a route that is not served', () => {
    const served = new Set(h.app.routeTable.map((route) => operationKey(route.method, route.url)));
    const missing = [...served].filter((key) => !(key in OPERATIONS));
    expect(missing, 'routes without an entry in src/http/operations.ts: give each an operationId, tags and a summary').toEqual([]);
    const stale = Object.keys(OPERATIONS).filter((key) => !served.has(key));
    expect(stale, 'entries in src/http/operations.ts that name no served route').toEqual([]);
  });

  it('gives every documented operation its table id (unique camelCase), declared tags and summary', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    const declaredTags = new Set((doc.tags as Array<{ name: string }>).map((t) => t.name));
    const byDocumentKey = new Map(Object.entries(OPERATIONS).map(([key, entry]) => {
      const [method = '', url = ''] = key.split(' ');
      return [`${method} ${documentPath(url)}`, entry];
    }));
    const seen = new Map<string, string>();
    for (const { key, path, op } of operationsOf(doc)) {
      const entry = byDocumentKey.get(key);
      expect(entry, `${key} has no entry`).toBeDefined();
      expect(op.operationId).toBe(entry?.operationId);
      expect(op.operationId).toMatch(/^[a-z][A-Za-z0-9]*$/);
      if (path.startsWith('/v2/')) expect(op.operationId).toMatch(/^twilio[A-Z]/);
      else expect(op.operationId).not.toMatch(/^twilio/);
      expect(seen.get(op.operationId!), `${op.operationId} is used twice`).toBeUndefined();
      seen.set(op.operationId!, key);
      expect(op.tags).toEqual(entry?.tags);
      for (const tag of op.tags ?? []) expect(declaredTags.has(tag), `tag "${tag}" of ${key} is not declared in app.ts`).toBe(true);
      expect(op.summary).toBe(entry?.summary);
    }
    // The names the clients and the docs use.
    expect(seen.get('createVerification')).toBe('POST /v1/verifications');
    expect(seen.get('checkVerification')).toBe('POST /v1/verifications/check');
    expect(seen.get('listServiceKeys')).toBe('GET /v1/services/{id}/keys');
    expect(seen.get('twilioCreateVerification')).toBe('POST /v2/Services/{ServiceSid}/Verifications');
  });

  it('is valid OpenAPI 3.1 (@readme/openapi-parser)', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    // The validator is not a rubber stamp: a broken reference is refused.
    const broken = structuredClone(doc);
    broken.paths['/v1/verifications'].post.responses['201'] = { description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } };
    expect((await validate(broken)).valid).toBe(false);
  });

  it('lists Idempotency-Key on exactly the operations that replay it', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    const withHeader = operationsOf(doc).filter(({ op }) => op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'));
    expect(withHeader.map(({ op }) => op.operationId).sort()).toEqual(['createService', 'createVerification']);
    // Each of them really replays: the same key and body give the first answer again.
    const { key } = await h.service();
    const calls = [
      { url: '/v1/services', headers: { authorization: `Bearer ${h.adminKey}` }, payload: { name: 'Idem' } },
      { url: '/v1/verifications', headers: { authorization: `Bearer ${key}` }, payload: { to: '+14155550199' } },
    ];
    for (const call of calls) {
      const headers = { ...call.headers, 'idempotency-key': `k-${call.url}` };
      const first = await h.app.inject({ method: 'POST', url: call.url, headers, payload: call.payload });
      const again = await h.app.inject({ method: 'POST', url: call.url, headers, payload: call.payload });
      expect(first.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(first.json().id);
    }
  });

  it('holds whole examples of the main flow, each valid against its schema', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'otpgate-openapi' });
    const pointer = (...parts: string[]) => `otpgate-openapi#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
    const byId = new Map(operationsOf(doc).map((o) => [o.op.operationId, o]));
    let checked = 0;
    for (const [operationId, examples] of Object.entries(OPERATION_EXAMPLES)) {
      const found = byId.get(operationId);
      expect(found, `examples for ${operationId}, which is no operation`).toBeDefined();
      const { path, method, op } = found!;
      for (const name of Object.keys(examples.request ?? {})) {
        const media = op.requestBody?.content?.['application/json'];
        expect(media?.examples?.[name], `${operationId} request example ${name}`).toBeDefined();
        const valid = ajv.validate({ $ref: pointer('paths', path, method, 'requestBody', 'content', 'application/json', 'schema') }, media!.examples![name]!.value);
        expect(valid ? [] : ajv.errors, `${operationId} request example ${name}`).toEqual([]);
        checked++;
      }
      for (const [status, named] of Object.entries(examples.responses ?? {})) {
        for (const name of Object.keys(named)) {
          const media = op.responses[status]?.content?.['application/json'];
          expect(media?.examples?.[name], `${operationId} ${status} example ${name}`).toBeDefined();
          const valid = ajv.validate({ $ref: pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema') }, media!.examples![name]!.value);
          expect(valid ? [] : ajv.errors, `${operationId} ${status} example ${name}`).toEqual([]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    // The validation bites: an example without a required field fails.
    const schema = { $ref: pointer('paths', '/v1/verifications', 'post', 'responses', '201', 'content', 'application/json', 'schema') };
    expect(ajv.validate(schema, { id: 'ver_1' })).toBe(false);
  });

  it('generates TypeScript types (openapi-typescript), and the committed clients/ files are up to date', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    const types = await typesText(doc);
    expect(types).toContain('createVerification: {');
    expect(types).toContain('"/v1/verifications/check": {');
    // What clients/ holds is generated from the document at the default listen address.
    const current = await openApiDocument();
    const stale = 'out of date: run `npm run clients:generate` and commit the result';
    expect(readFileSync(DOCUMENT_FILE, 'utf8') === documentText(current), `clients/openapi.json is ${stale}`).toBe(true);
    expect(readFileSync(TYPES_FILE, 'utf8') === (await typesText(current)), `clients/typescript/src/schema.ts is ${stale}`).toBe(true);
  });
});

describe('OpenAPI servers', () => {
  it('names the listen address by default, the bound port once listening, and OTPGATE_PUBLIC_URL when set', async () => {
    const before = (await h.app.inject('/openapi.json')).json();
    expect(before.servers).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:8080' })]);

    const listening = await createHarness();
    try {
      const address = await listening.app.listen({ port: 0, host: '127.0.0.1' });
      const doc = (await (await fetch(`${address}/openapi.json`)).json()) as { servers: unknown };
      expect(doc.servers).toEqual([expect.objectContaining({ url: address })]);
    } finally {
      await listening.close();
    }

    const behindProxy = await createHarness({ env: { OTPGATE_PUBLIC_URL: 'https://otp.example.com/' } });
    try {
      const doc = (await behindProxy.app.inject('/openapi.json')).json();
      expect(doc.servers).toEqual([expect.objectContaining({ url: 'https://otp.example.com' })]);
    } finally {
      await behindProxy.close();
    }
  });

  it('points the /docs page at its own origin unless OTPGATE_PUBLIC_URL names one', async () => {
    const withDocs = await buildApp(h.c, { docs: true });
    try {
      const spec = (await withDocs.inject('/docs/json')).json();
      expect(spec.servers).toEqual([{ url: '/', description: 'This server' }]);
      expect(spec.paths['/v1/verifications'].post.operationId).toBe('createVerification');
    } finally {
      await withDocs.close();
    }
  });

  it('reads a wildcard or IPv6 listen address as a URL one can connect to', () => {
    const config = { publicUrl: null, host: '0.0.0.0', port: 8080 };
    expect(documentServers(config, null)[0]?.url).toBe('http://localhost:8080');
    expect(documentServers(config, { address: '::', family: 'IPv6', port: 3000 })[0]?.url).toBe('http://localhost:3000');
    expect(documentServers(config, { address: '::1', family: 'IPv6', port: 3000 })[0]?.url).toBe('http://[::1]:3000');
  });
});
