import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { skipUnless, tcpReachable } from '../helpers/services.js';

/**
 * End to end through a real gateway: Debian's Kannel (bearerbox + smsbox) with its fake SMSC
 * (`fakesmsc`, which prints what it receives and makes bearerbox report delivery). otpgate
 * sends through the Kannel provider; the code is read from what fakesmsc received.
 */
const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';
const installed = existsSync('/usr/sbin/bearerbox') && existsSync('/usr/sbin/smsbox') && existsSync(FAKESMSC);
const TO = '+4915112345678';

const children: ChildProcess[] = [];
let dir: string;
let server: ServerProcess;
let fakeOutput = '';
let adminKey: string;
const dlrSecret = randomBytes(18).toString('base64url');

function run(command: string, args: string[], onOutput?: (text: string) => void): ChildProcess {
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
  children.push(child);
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(skipUnless(installed, 'Kannel (apt-get install kannel kannel-extras)'))('Kannel end to end (bearerbox, smsbox, fakesmsc)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otpgate-kannel-'));
    const [admin, boxPort, smscPort, sendsmsPort, otpgatePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const sendsmsPassword = randomBytes(12).toString('hex');
    writeFileSync(join(dir, 'kannel.conf'), [
      'group = core', `admin-port = ${admin}`, 'admin-password = admin', `smsbox-port = ${boxPort}`, 'admin-interface = 127.0.0.1',
      'box-allow-ip = 127.0.0.1', 'admin-allow-ip = 127.0.0.1', 'log-level = 1', `log-file = "${join(dir, 'bearerbox.log')}"`, 'dlr-storage = internal', '',
      'group = smsc', 'smsc = fake', 'smsc-id = fake', `port = ${smscPort}`, 'connect-allow-ip = 127.0.0.1', '',
      'group = smsbox', 'bearerbox-host = 127.0.0.1', `bearerbox-port = ${boxPort}`, `sendsms-port = ${sendsmsPort}`, 'sendsms-interface = 127.0.0.1',
      'log-level = 1', `log-file = "${join(dir, 'smsbox.log')}"`, '',
      'group = sendsms-user', 'username = otpgate', `password = ${sendsmsPassword}`, '',
    ].join('\n'));
    run('/usr/sbin/bearerbox', ['kannel.conf']);
    await waitFor('bearerbox', () => tcpReachable(boxPort, '127.0.0.1', 200));
    run('/usr/sbin/smsbox', ['kannel.conf']);
    run(FAKESMSC, ['-H', '127.0.0.1', '-r', String(smscPort), '-m', '0', '1 2 text unused'], (text) => (fakeOutput += text));
    await waitFor('smsbox', () => tcpReachable(sendsmsPort, '127.0.0.1', 200));
    await waitFor('the fake SMSC online', async () => {
      const res = await fetch(`http://127.0.0.1:${admin}/status.txt?password=admin`).catch(() => null);
      return res !== null && /fake.*online/.test(await res.text());
    });

    adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
    server = await startServer({
      OTPGATE_PORT: String(otpgatePort),
      OTPGATE_ADMIN_KEY: adminKey,
      OTPGATE_PUBLIC_URL: `http://127.0.0.1:${otpgatePort}`,
      OTPGATE_SMS_PROVIDER: 'kannel',
      OTPGATE_KANNEL_URL: `http://127.0.0.1:${sendsmsPort}`,
      OTPGATE_KANNEL_USERNAME: 'otpgate',
      OTPGATE_KANNEL_PASSWORD: sendsmsPassword,
      OTPGATE_KANNEL_DLR_SECRET: dlrSecret,
      OTPGATE_SMS_SENDER_ID: 'Acme',
      OTPGATE_WORKER_POLL_MS: '100',
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve(null);
          }, 3000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve(null);
          });
        });
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the code through Kannel, approves it, and records the delivery receipt', async () => {
    const api = (path: string, init: RequestInit & { key: string }) =>
      fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${init.key}`, 'content-type': 'application/json' } });
    const service = await (await api('/v1/services', { method: 'POST', key: adminKey, body: JSON.stringify({ name: 'Acme' }) })).json() as { id: string };
    const key = (await (await api(`/v1/services/${service.id}/keys`, { method: 'POST', key: adminKey, body: '{}' })).json() as { key: string }).key;

    const started = await api('/v1/verifications', { method: 'POST', key, body: JSON.stringify({ to: TO }) });
    expect(started.status).toBe(201);
    const verification = await started.json() as { id: string };

    // fakesmsc prints `Got message N: <from to text body>`.
    const line = await waitFor('the SMS at the fake SMSC', async () => new RegExp(`Got message \\d+: <Acme \\${TO} text (.*)>`).exec(fakeOutput));
    const code = /\b(\d{6})\b/.exec(line[1]!)?.[1];
    expect(code).toBeDefined();

    const checked = await api('/v1/verifications/check', { method: 'POST', key, body: JSON.stringify({ id: verification.id, code }) });
    expect(await checked.json()).toMatchObject({ status: 'approved', valid: true });

    const delivered = await waitFor('the delivery receipt', async () => {
      const v = await (await api(`/v1/verifications/${verification.id}`, { method: 'GET', key })).json() as { sends: Array<{ status: string; provider: string }> };
      return v.sends[0]?.status === 'delivered' ? v.sends[0] : null;
    });
    expect(delivered).toMatchObject({ status: 'delivered', provider: 'kannel' });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/otpgate_sms_messages_total\{provider="kannel",status="delivered",country="DE",error_code="",channel="sms"\} 1/);

    // A receipt without the provider's secret is refused (H5) and changes nothing.
    const messageId = (await (await api(`/v1/verifications/${verification.id}`, { method: 'GET', key })).json() as { sends: Array<{ message_id: string }> }).sends[0]!.message_id;
    const forged = await fetch(`${server.url}/v1/dlr/kannel/${messageId}?secret=wrong&type=2`);
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: 'receipt_refused' });
  }, 60_000);
});
