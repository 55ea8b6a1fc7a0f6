import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../../src/core/ports.js';
import { SendError } from '../../../src/core/ports.js';
import { destinationsOf, maskSetting, SmsConfigError, unmaskSetting, validateDefinition } from '../../../src/sms/provider-registry.js';
import { closeSmtpTransports, smtpProvider, toSendError } from '../../../src/sms/providers/smtp.provider.js';
import { sendWith } from '../../helpers/providers.js';
import { selfSignedCertificate, startSmtpServer } from '../../helpers/smtp-server.js';
import type { TestSmtpServer } from '../../helpers/smtp-server.js';

const EMAIL: Partial<OutgoingMessage> = {
  to: 'ada@example.com',
  from: 'no-reply@acme.test',
  country: null,
  body: 'Enter this code…\n\n123456\n',
  redactedBody: 'Enter this code…\n\n******\n',
  content: {
    channel: 'email',
    subject: 'Your Acme verification code',
    text: 'Enter this code to sign in to Acme:\n\n123456\n',
    html: '<p>Enter this code to sign in to Acme:</p><p><strong>123456</strong></p>',
    fromName: 'Acme',
  },
};
const MESSAGE_ID = 'msg_01jf3k9x2m8q7r6t5v4w3y2z1a';
// user and password percent-encoded in the URL; the server sees them decoded
const USER = 'otpgate';
const PASS = 's3cret:p@ss';
const url = (server: TestSmtpServer, scheme = 'smtp', host = '127.0.0.1') => `${scheme}://${USER}:${encodeURIComponent(PASS)}@${host}:${server.port}`;

async function failure(promise: Promise<unknown>): Promise<SendError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

const servers: TestSmtpServer[] = [];
async function server(options: Parameters<typeof startSmtpServer>[0] = {}): Promise<TestSmtpServer> {
  const started = await startSmtpServer(options);
  servers.push(started);
  return started;
}
afterEach(async () => {
  closeSmtpTransports();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('SMTP provider against a real SMTP server (plain, authentication required)', () => {
  it('sends from, to, subject, text, HTML and a Message-ID derived from the message id', async () => {
    const smtp = await server();
    const result = await sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, EMAIL);
    expect(smtp.received).toHaveLength(1);
    const [{ mail, envelope, user, raw }] = smtp.received as [TestSmtpServer['received'][number]];
    expect(user).toBe(USER);
    expect(smtp.auths).toEqual([{ user: USER, ok: true }]);
    expect(envelope).toEqual({ mailFrom: 'no-reply@acme.test', rcptTo: ['ada@example.com'] });
    expect(mail.from?.value).toEqual([{ name: 'Acme', address: 'no-reply@acme.test' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : null).toEqual([{ name: '', address: 'ada@example.com' }]);
    expect(mail.subject).toBe('Your Acme verification code');
    expect(mail.subject).not.toContain('123456'); // the content's subject holds no code, and none is added
    expect(mail.text).toBe('Enter this code to sign in to Acme:\n\n123456\n');
    expect(mail.html).toBe('<p>Enter this code to sign in to Acme:</p><p><strong>123456</strong></p>');
    expect(mail.messageId).toBe(`<${MESSAGE_ID}@acme.test>`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(raw).toMatch(/^Content-Type: multipart\/alternative/m);
    expect(result.providerMessageId).toBe(`<${MESSAGE_ID}@acme.test>`);
  });

  it('gives every try of one message the same Message-ID, and reuses the pooled connection', async () => {
    const smtp = await server();
    const settings = { url: url(smtp), require_tls: 'false' };
    await sendWith(smtpProvider, settings, EMAIL);
    await sendWith(smtpProvider, settings, EMAIL);
    await sendWith(smtpProvider, settings, { ...EMAIL, messageId: 'msg_other' });
    expect(smtp.received.map((r) => r.mail.messageId)).toEqual([`<${MESSAGE_ID}@acme.test>`, `<${MESSAGE_ID}@acme.test>`, '<msg_other@acme.test>']);
    expect(smtp.connections).toBe(1);
    expect(smtp.auths).toHaveLength(1);
  });

  it('uses the from setting only when the message names no sender, and no display name without fromName', async () => {
    const smtp = await server();
    const settings = { url: url(smtp), require_tls: 'false', from: 'otp@fallback.test' };
    await sendWith(smtpProvider, settings, { ...EMAIL, from: null, content: { ...EMAIL.content!, fromName: null } as OutgoingMessage['content'] });
    await sendWith(smtpProvider, settings, EMAIL);
    expect(smtp.received.map((r) => r.envelope.mailFrom)).toEqual(['otp@fallback.test', 'no-reply@acme.test']);
    expect(smtp.received[0]!.mail.from?.value).toEqual([{ name: '', address: 'otp@fallback.test' }]);
    expect(smtp.received[0]!.mail.messageId).toBe(`<${MESSAGE_ID}@fallback.test>`);
  });

  it('without any sender fails retryably (another provider may have one) and sends nothing', async () => {
    const smtp = await server();
    const error = await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, { ...EMAIL, from: null }));
    expect(error).toMatchObject({ code: 'smtp_no_sender', retryable: true });
    expect(smtp.connections).toBe(0);
  });

  it('maps 550 mailbox unavailable to a final failure, with the mailbox left out of the detail', async () => {
    const smtp = await server({ rcptError: { code: 550, message: '5.1.1 <ada@example.com>: Recipient address rejected: User unknown' } });
    const error = await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, EMAIL));
    expect(error).toMatchObject({ code: 'smtp_550', retryable: false });
    expect(error.message).toContain('***@example.com');
    expect(error.message).not.toContain('ada@');
    expect(smtp.received).toHaveLength(0);
  });

  it('maps a 4xx reply (greylisting) to a retryable failure', async () => {
    const smtp = await server({ rcptError: { code: 451, message: '4.7.1 Greylisted, try again later' } });
    expect(await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, EMAIL))).toMatchObject({ code: 'smtp_451', retryable: true });
  });

  it('maps a dropped connection to a retryable failure', async () => {
    const smtp = await server({ dropOnData: true });
    const error = await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, EMAIL));
    expect(error.retryable).toBe(true);
    expect(error.code).toMatch(/^smtp_E(CONNECTION|SOCKET)$/);
    expect(smtp.received).toHaveLength(0);
  });

  it('maps refused credentials to a retryable failure (the provider\'s, not the message\'s)', async () => {
    const smtp = await server({ pass: 'another password' });
    expect(await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, EMAIL))).toMatchObject({ code: 'smtp_auth_535', retryable: true });
  });

  it('maps a refused connection to a retryable failure', async () => {
    const smtp = await server();
    const port = smtp.port;
    await smtp.close();
    const error = await failure(sendWith(smtpProvider, { url: `smtp://u:p@127.0.0.1:${port}`, require_tls: 'false' }, EMAIL));
    expect(error).toMatchObject({ retryable: true });
    expect(error.code).toMatch(/^smtp_E/);
  });

  it('refuses a recipient that is no valid address before connecting', async () => {
    const smtp = await server();
    const error = await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, { ...EMAIL, to: 'ada@example.com\r\nBcc: eve@example.com' }));
    expect(error).toMatchObject({ code: 'smtp_invalid_recipient', retryable: false });
    expect(smtp.connections).toBe(0);
  });

  it('refuses another channel', async () => {
    const smtp = await server();
    expect(await failure(sendWith(smtpProvider, { url: url(smtp), require_tls: 'false' }, { ...EMAIL, content: { channel: 'sms' } }))).toMatchObject({ code: 'unsupported_channel', retryable: false });
  });
});

describe('SMTP provider over TLS', () => {
  const certificate = selfSignedCertificate();
  const other = selfSignedCertificate();
  afterAll(() => closeSmtpTransports());

  it('requires STARTTLS by default: a server without it gets neither the password nor the message', async () => {
    const smtp = await server();
    const error = await failure(sendWith(smtpProvider, { url: url(smtp) }, EMAIL));
    // 500 to STARTTLS: a refusal of the session's set-up, so another provider may still send it
    expect(error).toMatchObject({ code: 'smtp_500', retryable: true });
    expect(smtp.auths).toHaveLength(0);
    expect(smtp.received).toHaveLength(0);
  });

  it('upgrades with STARTTLS and verifies the certificate against the configured CA', async () => {
    const smtp = await server({ starttls: true, tls: certificate });
    await sendWith(smtpProvider, { url: url(smtp), ca: certificate.cert }, EMAIL);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.secure).toBe(true);
    expect(smtp.received[0]!.mail.subject).toBe('Your Acme verification code');
  });

  it('refuses a certificate no trusted CA signed, by default, before authenticating', async () => {
    const smtp = await server({ starttls: true, tls: certificate });
    const untrusted = await failure(sendWith(smtpProvider, { url: url(smtp) }, EMAIL));
    expect(untrusted).toMatchObject({ retryable: true });
    const wrongCa = await failure(sendWith(smtpProvider, { url: url(smtp), ca: other.cert }, EMAIL));
    expect(wrongCa).toMatchObject({ retryable: true });
    expect(smtp.auths).toHaveLength(0);
    expect(smtp.received).toHaveLength(0);
    // Only an explicit reject_unauthorized=false accepts it.
    await sendWith(smtpProvider, { url: url(smtp), reject_unauthorized: 'false' }, EMAIL);
    expect(smtp.received).toHaveLength(1);
  });

  it('refuses a certificate for another host name', async () => {
    const elsewhere = selfSignedCertificate('DNS:mail.example.org'); // trusted, but not for 127.0.0.1
    const smtp = await server({ starttls: true, tls: elsewhere });
    const error = await failure(sendWith(smtpProvider, { url: url(smtp), ca: elsewhere.cert }, EMAIL));
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/altnames|IP: 127\.0\.0\.1|not in the cert/i);
    expect(smtp.auths).toHaveLength(0);
    expect(smtp.received).toHaveLength(0);
  });

  it('speaks implicit TLS on smtps://', async () => {
    const smtp = await server({ secure: true, tls: certificate });
    await sendWith(smtpProvider, { url: url(smtp, 'smtps'), ca: certificate.cert }, EMAIL);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.secure).toBe(true);
  });
});

describe('SMTP error mapping (nodemailer errors as thrown)', () => {
  it.each([
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 <bob@example.org> unknown' }, 'smtp_550', false],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553, response: '553 sender rejected' }, 'smtp_553', false],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 spam' }, 'smtp_554', false],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 452, response: '452 4.3.1 insufficient storage' }, 'smtp_452', true],
    [{ code: 'EPROTOCOL', command: 'RSET', responseCode: 503, response: '503 bad sequence' }, 'smtp_503', true],
    [{ code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 no SMTP service here' }, 'smtp_554', true],
    [{ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 bad credentials' }, 'smtp_auth_535', true],
    [{ code: 'EABORT', message: 'aborted' }, 'timeout', true],
    [{ name: 'AbortError', message: 'aborted' }, 'timeout', true],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'smtp_ETIMEDOUT', true],
    [{ code: 'ETLS', message: 'self-signed certificate' }, 'smtp_ETLS', true],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND' }, 'smtp_EDNS', true],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, 'smtp_EENVELOPE', false],
    [new Error('something odd'), 'smtp_unknown', true],
  ])('%j → %s', (error, code, retryable) => {
    const mapped = toSendError(error);
    expect(mapped).toMatchObject({ code, retryable });
    expect(mapped.message).not.toMatch(/bob@/);
  });
});

describe('SMTP settings', () => {
  const validate = (settings: Record<string, string>) => validateDefinition({ name: 'mail', type: 'smtp', settings }, (k) => k);

  it.each([
    ['http://smtp.example.com', /smtp:\/\/ or smtps:\/\//],
    ['smtp://', /smtp/],
    [' smtp://u:p@smtp.example.com', /spaces/],
    ['smtp://u:p@smtp.example.com/?tls.rejectUnauthorized=false', /no path, query/],
    ['smtp://u:p@smtp.example.com/path', /no path, query/],
    ['smtp://u:%E0%A4%A@smtp.example.com', /percent-encoded/],
  ])('refuses url %j', (value, reason) => {
    expect(() => validate({ url: value })).toThrow(SmsConfigError);
    expect(() => validate({ url: value })).toThrow(reason);
  });

  it.each([
    [{ from: 'Acme <no-reply@acme.test>' }, 'from'],
    [{ from: 'not-an-address' }, 'from'],
    [{ require_tls: 'yes' }, 'require_tls'],
    [{ reject_unauthorized: '0' }, 'reject_unauthorized'],
    [{ ca: 'not pem' }, 'ca'],
  ])('refuses %j', (settings, key) => {
    expect(() => validate({ url: 'smtp://u:p@smtp.example.com', ...settings })).toThrow(new RegExp(`^${key}:`));
  });

  it('shows the URL with its user and password masked, and keeps them only for the same server', () => {
    const stored = 'smtp://apikey:SG.s3cr%40t@smtp.example.com:587';
    const shown = maskSetting(stored);
    expect(shown).toBe('smtp://********:********@smtp.example.com:587');
    expect(shown).not.toContain('s3cr');
    expect(maskSetting('smtps://user:pw@mail.example.com')).toBe('smtps://********:********@mail.example.com');
    expect(unmaskSetting(shown, stored)).toBe(stored);
    // A masked password may not follow the URL to another host, port or scheme: the router refuses
    // a change of destination with masked credentials, and the destination is scheme, host and port.
    const destination = (value: string) => destinationsOf('smtp', { url: value });
    expect(destination(stored)).toBe('url=smtp://smtp.example.com:587');
    expect(destination('smtp://********:********@evil.example:587')).not.toBe(destination(stored));
    expect(destination('smtp://********:********@smtp.example.com:2525')).not.toBe(destination(stored));
    expect(destination('smtps://********:********@smtp.example.com:587')).not.toBe(destination(stored));
    expect(destination('smtp://other:********@SMTP.example.com:587')).toBe(destination(stored));
  });
});
