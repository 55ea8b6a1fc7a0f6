import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Fields, types, patterns and enums of Twilio's Verify v2 resources, from twilio-oai (see the fixture's `source`). */
const spec = JSON.parse(readFileSync(new URL('../fixtures/twilio-verify-v2-resources.json', import.meta.url), 'utf8')) as {
  resources: Record<string, Record<string, { type?: string; pattern?: string; enum?: string[]; format?: string }>>;
};
export type TwilioResourceKind = keyof typeof spec.resources & string;

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value);

/** The answer has every field the spec gives the resource, each of its type (or null), pattern and enum. */
export function expectTwilioShape(kind: string, body: Record<string, unknown>): void {
  const fields = spec.resources[kind];
  if (!fields) throw new Error(`no resource ${kind} in the fixture`);
  for (const [name, rule] of Object.entries(fields)) {
    expect(body, `${kind}.${name}`).toHaveProperty(name);
    const value = body[name];
    if (value === null) continue;
    if (rule.type !== undefined) expect(typeOf(value) === rule.type || (rule.type === 'number' && typeof value === 'number'), `${kind}.${name}: ${JSON.stringify(value)} is not ${rule.type}`).toBe(true);
    if (rule.pattern !== undefined) expect(value, `${kind}.${name}`).toMatch(new RegExp(rule.pattern));
    if (rule.enum !== undefined) expect(rule.enum, `${kind}.${name}`).toContain(value);
    if (rule.format === 'date-time') expect(value, `${kind}.${name}`).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    if (rule.format === 'uri') expect(value, `${kind}.${name}`).toMatch(/^https?:\/\//);
  }
}
