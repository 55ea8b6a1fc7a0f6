import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { skipUnless } from '../helpers/services.js';

/** The Twilio Python SDK (Debian's python3-twilio, installed by .ci/run) against a real otpgate. */
const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const available = await run(PYTHON, ['-c', 'import twilio.rest']).then(() => true, () => false);

describe.skipIf(skipUnless(available, 'The Twilio Python SDK (apt-get install python3-twilio)'))('the official Twilio Python SDK against otpgate', () => {
  let server: ServerProcess;
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  beforeAll(async () => {
    server = await startServer({ OTPGATE_ADMIN_KEY: adminKey, OTPGATE_SECRET: randomBytes(32).toString('base64url') });
  });
  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('starts, checks a wrong and a right code, fetches, and pages attempts with an unchanged SDK', async () => {
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      return res.json() as Promise<Record<string, string>>;
    };
    const service = await call('/v1/services', { name: 'Acme' });
    const key = await call(`/v1/services/${service.id}/basic-credentials`, { type: 'api_key' });
    const adminCredentials = await call('/v1/basic-credentials', { type: 'account' });
    const { stdout } = await run(PYTHON, [join(ROOT, 'test/e2e/twilio_python_sdk.py')], {
      env: {
        PATH: process.env.PATH ?? '', OTPGATE_URL: server.url, OTPGATE_ADMIN_KEY: adminKey, KEY_SID: key.sid!, KEY_SECRET: key.secret!,
        ACCOUNT_SID: key.account_sid!, ADMIN_SID: adminCredentials.sid!, ADMIN_SECRET: adminCredentials.secret!, SERVICE_SID: key.service_sid!, SERVICE_ID: service.id!, TO: '+14155550123',
      },
      timeout: 30_000,
    });
    const out = JSON.parse(stdout);
    expect(out.started.sid).toMatch(/^VE[0-9a-f]{32}$/);
    expect(out).toMatchObject({
      started: { status: 'pending' },
      wrong: { status: 'pending', valid: false },
      right: { status: 'approved', valid: true },
      fetched: 'approved',
      again: { code: 20404, status: 404 },
    });
    // One attempt per SMS: the first verification's and the canceled one's, through pages of one.
    expect(out.attempts).toHaveLength(2);
    // Issue 18 through Debian's SDK (7.x has no SafeList resource).
    expect(out.custom_code_enabled).toBe(true);
    expect(out.refused_flag).toMatchObject({ code: 60204, status: 400, details: { code: 'not_supported' } });
    expect(out.canceled_check).toMatchObject({ code: 20404, status: 404, details: { code: 'verification_canceled' } });
    expect(out.duplicate_limit).toMatchObject({ code: 60208, status: 400 });
    expect(out.duplicate_bucket).toMatchObject({ code: 60211, status: 400 });
    expect(out.webhook).toMatchObject({ event_types: ['verification.approved'], status: 'disabled' });
    expect(out.webhook.sid).toMatch(/^YW[0-9a-f]{32}$/);
    expect(out.messaging).toEqual({ country: 'NL', fetched: `MG${'f'.repeat(32)}` });
    expect(out.messaging_again).toMatchObject({ code: 60213 });
    expect(out.templates).toEqual([`HJ${'0'.repeat(32)}`, `HJ${key.service_sid!.slice(2)}`]);
  });
});
