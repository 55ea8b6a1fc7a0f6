// Part of `npm run build`: the console's two static files go next to the compiled plugin
// (dist/http/console/assets), so the package serves them itself — offline, no CDN.
import { cpSync, mkdirSync } from 'node:fs';

const from = new URL('../src/http/console/assets/', import.meta.url);
const to = new URL('../dist/http/console/assets/', import.meta.url);
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
