import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
