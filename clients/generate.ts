/**
 * Regenerates what the clients are built from: `clients/openapi.json` (the document a server
 * serves, for generators in any language) and `clients/typescript/src/schema.ts` (its TypeScript
 * types, by openapi-typescript). Run `npm run clients:generate` after changing a route's schema;
 * test/http/openapi.test.ts fails while either is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { openApiDocument } from '../src/http/openapi-document.js';

export const CLIENTS_DIR = resolve(import.meta.dirname);
export const DOCUMENT_FILE = join(CLIENTS_DIR, 'openapi.json');
export const TYPES_FILE = join(CLIENTS_DIR, 'typescript/src/schema.ts');

/** The document as committed: pretty-printed, with a final newline. */
export const documentText = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;

/** TypeScript types for a document, as openapi-typescript writes them. Throws when the document cannot be read. */
export async function typesText(document: unknown): Promise<string> {
  const ast = await openapiTS(document as OpenAPI3, { silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

/** Every generated file, by absolute path. */
export async function generatedFiles(): Promise<Record<string, string>> {
  const document = await openApiDocument();
  return { [DOCUMENT_FILE]: documentText(document), [TYPES_FILE]: await typesText(document) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [file, text] of Object.entries(await generatedFiles())) {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
