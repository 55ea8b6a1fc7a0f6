import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package's version, from the package.json above dist/ (or src/ under tsx). */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
