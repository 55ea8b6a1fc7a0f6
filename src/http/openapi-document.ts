import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { loadConfig } from '../config.js';
import { createContainer } from '../container.js';
import { createLogger } from '../observability/logger.js';
import { buildApp } from './app.js';

/**
 * The OpenAPI document exactly as a server serves it at `/openapi.json`, made without a server or
 * a database: the app is built on a throwaway in-memory SQLite store and never listens. `servers`
 * reads the default listen address (http://127.0.0.1:8080), so the result is the same on every
 * machine: what the committed client types and `clients/openapi.json` are generated from.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig(
    { OTPGATE_DATABASE_URL: 'sqlite::memory:', OTPGATE_SECRET: randomBytes(32).toString('base64url'), OTPGATE_DATA_DIR: tmpdir(), OTPGATE_LOG_LEVEL: 'silent' },
  );
  const container = await createContainer(config, { logger: createLogger('silent'), defaultMetrics: false });
  try {
    const app = await buildApp(container, { docs: false });
    try {
      await app.ready();
      return structuredClone(app.swagger() as unknown as Record<string, unknown>);
    } finally {
      await app.close();
    }
  } finally {
    await container.close();
  }
}
