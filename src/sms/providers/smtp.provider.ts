import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { normalizeEmail } from '../../core/email-address.js';
import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderModule, ProviderSettings } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';

/**
 * Email over SMTP with nodemailer (https://nodemailer.com/smtp/, /smtp/pooled, /message/):
 * `url` is `smtp://user:password@host:port` (STARTTLS, port 587 by default) or
 * `smtps://user:password@host:port` (TLS from the first byte, 465 by default); user and password
 * are percent-encoded. The URL is parsed here into explicit options rather than handed to
 * nodemailer, which would also read options from its query string (`?tls.rejectUnauthorized=false`):
 * the security of the connection is decided only by the settings below.
 *
 * TLS, as a real deployment needs it:
 * - `require_tls` (default `true`): on `smtp://`, refuse to go on unless STARTTLS succeeds, so
 *   the password and the code never cross the network in clear text (a server or a man in the
 *   middle that hides STARTTLS gets nothing). `false` only for a relay on the same host or a
 *   test server.
 * - `reject_unauthorized` (default `true`): the server's certificate must chain to a trusted
 *   CA and name the host; `ca` (PEM) adds a private CA for an internal relay, which is better
 *   than switching verification off.
 *
 * The message: `From: "<fromName>" <from>` (`message.from`, the instance's or service's sender;
 * the `from` setting when that is null), `To`, `Subject`, a text and an HTML part, and
 * `Message-ID: <msg_…@sender domain>` derived from the message id, so every try of one message
 * (after a crash, a time-out, a failover) carries the same id and a duplicate can be recognised
 * (RFC 5322 §3.6.4). `Auto-Submitted: auto-generated` (RFC 3834) keeps vacation responders quiet.
 * The answer's `messageId` is the provider message id. SMTP has no delivery callbacks: a message
 * ends at `sent` (bounces arrive later by mail, which otpgate does not read).
 *
 * Errors (RFC 5321 §4.2.1, nodemailer's error codes): a 4yz reply is transient and retryable; a
 * 5yz reply is permanent for this message (`550 mailbox unavailable`, `554 rejected`) and not
 * retried, except 503 (bad sequence: the session, not the message) and refusals while the session
 * is set up — greeting, EHLO, STARTTLS, AUTH — which are about the server and the provider's
 * settings and credentials, not the message: the next provider may send it. Connection failures,
 * time-outs and TLS failures are retryable. Codes are `smtp_<reply code>` or `smtp_<nodemailer code>`.
 *
 * Connections: providers are built per send, but opening an SMTP session costs a TCP connect, a
 * TLS handshake, EHLO and AUTH — several round trips, often more than the send itself. So one
 * nodemailer pool (at most 3 connections, 100 messages each) is kept per process for each
 * distinct connection (URL with credentials, TLS settings), keyed by a hash of them: two services
 * with different credentials never share a connection, a changed password makes a new pool, and
 * a pool unused for 5 minutes is closed (at most 32 pools). The price is state outside the
 * provider: `closeSmtpTransports()` closes them at shutdown, and a pooled connection the server
 * dropped while idle fails one try with a retryable error.
 */

const POOL_IDLE_MS = 5 * 60_000;

const pools = new LRUCache<string, Transporter>({
  max: 32,
  ttl: POOL_IDLE_MS,
  updateAgeOnGet: true,
  ttlAutopurge: true,
  dispose: (transporter) => transporter.close(),
});

/** Closes every pooled SMTP connection (shutdown, tests). */
export function closeSmtpTransports(): void {
  pools.clear();
}

interface SmtpTarget {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  pass: string;
}

function parseSmtpUrl(value: string): SmtpTarget | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be smtp://user:password@host:port or smtps://user:password@host:port';
  }
  if (value !== value.trim()) return 'must be an smtp(s) URL without surrounding spaces';
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return 'must be an smtp:// or smtps:// URL';
  if (!url.hostname) return 'names no host (smtp://user:password@host:587)';
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) return 'must hold no path, query or fragment: TLS is set with require_tls, reject_unauthorized and ca';
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(url.username);
    pass = decodeURIComponent(url.password);
  } catch {
    return 'has a badly percent-encoded user or password';
  }
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { secure, host, port: url.port ? Number(url.port) : secure ? 465 : 587, user, pass };
}

const flag = (value: string | undefined, fallback: boolean) => (value === undefined ? fallback : value === 'true');
const requireFlag = (v: string) => (v === 'true' || v === 'false' ? null : 'must be true or false');

async function transportFor(settings: ProviderSettings): Promise<Transporter> {
  const key = createHash('sha256')
    .update(JSON.stringify([settings.url, settings.require_tls ?? '', settings.reject_unauthorized ?? '', settings.ca ?? '']))
    .digest('base64url');
  const pooled = pools.get(key);
  if (pooled) return pooled;
  const target = parseSmtpUrl(settings.url!);
  if (typeof target === 'string') throw new SendError('smtp_config', `url ${target}`, true);
  const { createTransport } = await import('nodemailer');
  const again = pools.get(key); // another send may have made it while nodemailer loaded
  if (again) return again;
  const transporter = createTransport(
    {
      pool: true,
      maxConnections: 3,
      maxMessages: 100,
      host: target.host,
      port: target.port,
      secure: target.secure,
      requireTLS: !target.secure && flag(settings.require_tls, true),
      ...(target.user || target.pass ? { auth: { user: target.user, pass: target.pass } } : {}),
      tls: {
        rejectUnauthorized: flag(settings.reject_unauthorized, true),
        minVersion: 'TLSv1.2',
        ...(settings.ca ? { ca: settings.ca } : {}),
      },
      // The worker's time-out aborts a send first (OTPGATE_SMS_SEND_TIMEOUT_MS); these bound the
      // phases that no send is waiting on, and an idle pooled connection.
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      // Message content is text we render; never let it name a file or URL to attach.
      disableFileAccess: true,
      disableUrlAccess: true,
    },
  );
  pools.set(key, transporter);
  return transporter;
}

class SmtpProvider extends ProviderBase {
  async send(message: OutgoingMessage): Promise<SendResult> {
    const content = message.content;
    if (content.channel !== 'email') throw new SendError('unsupported_channel', `the smtp provider sends email, not ${content.channel}`, false);
    const s = this.definition.settings;
    const sender = message.from ?? s.from ?? null;
    if (!sender) throw new SendError('smtp_no_sender', 'no sender address: set OTPGATE_EMAIL_FROM or the provider\'s from', true);
    let from: string;
    let to: string;
    let domain: string;
    try {
      ({ address: from, domain } = normalizeEmail(sender));
    } catch {
      throw new SendError('smtp_invalid_sender', 'the sender is not a valid email address', true);
    }
    try {
      to = normalizeEmail(message.to).address;
    } catch {
      throw new SendError('smtp_invalid_recipient', 'the recipient is not a valid email address', false);
    }
    const transporter = await transportFor(s);
    const mail: SendMailOptions = {
      from: content.fromName ? { name: content.fromName, address: from } : from,
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: `<${message.messageId}@${domain}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
      ...(this.context.signal ? { signal: this.context.signal } : {}),
    };
    try {
      const info = (await transporter.sendMail(mail)) as { messageId?: string };
      return { providerMessageId: info.messageId ?? null };
    } catch (error) {
      throw toSendError(error);
    }
  }
}

interface SmtpFailure {
  name?: string;
  code?: string;
  message?: string;
  command?: string;
  response?: string;
  responseCode?: number;
}

const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS']);

/** Maps a nodemailer failure to a SendError; exported for tests. */
export function toSendError(error: unknown): SendError {
  const e = (error ?? {}) as SmtpFailure;
  if (e.name === 'AbortError' || e.code === 'EABORT') return new SendError('timeout', 'the SMTP server did not finish in time', true);
  // A server's reply may quote the recipient's address: keep the domain, drop the mailbox.
  const detail = redactAddresses((e.response ?? e.message ?? 'SMTP error').slice(0, 300));
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 600) {
    const auth = e.code === 'EAUTH' || /^AUTH\b/i.test(e.command ?? '');
    // Replies to the session's set-up (greeting, EHLO, STARTTLS, AUTH) are about this server and
    // its settings, not the message: another provider may send it.
    const session = auth || e.code === 'ETLS' || /^(CONN|EHLO|HELO|LHLO|STARTTLS)\b/i.test(e.command ?? '');
    const permanent = e.responseCode >= 500 && e.responseCode !== 503 && !session;
    return new SendError(auth ? `smtp_auth_${e.responseCode}` : `smtp_${e.responseCode}`, detail, !permanent);
  }
  const code = typeof e.code === 'string' && /^[A-Z_]{2,32}$/.test(e.code) ? e.code : 'unknown';
  // Without a reply code, only errors about the message itself are final; connection, TLS, DNS,
  // time-out, authentication and configuration failures are the provider's, so another try or
  // another provider may succeed.
  return new SendError(`smtp_${code}`, detail, !MESSAGE_CODES.has(code));
}

function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'@,;:()[\]]+@([A-Za-z0-9.-]+)/g, '***@$1');
}

function validateUrl(value: string): string | null {
  const target = parseSmtpUrl(value);
  return typeof target === 'string' ? target : null;
}

function validateFrom(value: string): string | null {
  try {
    normalizeEmail(value);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : 'must be an email address';
  }
}

export const smtpProvider: ProviderModule = {
  type: 'smtp',
  channels: ['email'],
  fields: [
    {
      key: 'url',
      required: true,
      secret: false,
      description: 'smtp://user:password@host:port (STARTTLS, default port 587) or smtps://… (implicit TLS, default 465); user and password percent-encoded, shown masked',
      example: 'smtp://apikey:secret@smtp.example.com:587',
      validate: validateUrl,
    },
    { key: 'from', required: false, secret: false, description: 'Sender address when the message names none (OTPGATE_EMAIL_FROM comes first)', example: 'no-reply@example.com', validate: validateFrom },
    { key: 'require_tls', required: false, secret: false, description: 'smtp:// only: refuse to send unless STARTTLS succeeds (default true)', validate: requireFlag },
    { key: 'reject_unauthorized', required: false, secret: false, description: 'Verify the server certificate against trusted CAs and the host name (default true)', validate: requireFlag },
    {
      key: 'ca',
      required: false,
      secret: false,
      description: 'PEM certificate(s) of a private CA to trust for the server (an internal relay)',
      validate: (v) => (v.includes('-----BEGIN CERTIFICATE-----') ? null : 'must be PEM (-----BEGIN CERTIFICATE-----)'),
    },
  ],
  create: (definition, context) => new SmtpProvider(definition, context),
};
