import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  mail: ParsedMail;
  raw: string;
  envelope: { mailFrom: string | null; rcptTo: string[] };
  user: string | undefined;
  /** The session was TLS (implicit or after STARTTLS) when the message came. */
  secure: boolean;
}

export interface SmtpServerOptions {
  /** Implicit TLS (smtps://). */
  secure?: boolean;
  /** Offer STARTTLS (needs `tls`); default false. */
  starttls?: boolean;
  tls?: { key: string; cert: string };
  user?: string;
  pass?: string;
  /** Refuse a recipient with this SMTP reply (e.g. 550). */
  rcptError?: { code: number; message: string } | null;
  /** Drop the connection instead of answering DATA. */
  dropOnData?: boolean;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Connections accepted so far. */
  connections: number;
  /** AUTH attempts, with the user and whether the password matched. */
  auths: Array<{ user: string; ok: boolean }>;
  set(options: Partial<SmtpServerOptions>): void;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on a free port, with authentication required. */
export async function startSmtpServer(initial: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const options: SmtpServerOptions = { user: 'otpgate', pass: 's3cret:p@ss', ...initial };
  const received: ReceivedMail[] = [];
  const auths: TestSmtpServer['auths'] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = new SMTPServer({
    secure: options.secure ?? false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    closeTimeout: 100,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.user && auth.password === options.pass;
      auths.push({ user: auth.username ?? '', ok });
      if (!ok) {
        callback(new Error('Invalid username or password'));
        return;
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(_address: SMTPServerAddress, _session: SMTPServerSession, callback) {
      if (options.rcptError) {
        const error = new Error(options.rcptError.message) as Error & { responseCode: number };
        error.responseCode = options.rcptError.code;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      if (options.dropOnData) {
        stream.resume();
        for (const socket of sockets) socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((mail) => {
          received.push({
            mail,
            raw,
            envelope: {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
            },
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
          });
          callback(null, 'Ok: queued as 4F2A1B');
        }, callback);
      });
    },
  });
  // The net server underneath: to drop connections as a crashing server would.
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    received,
    get connections() {
      return connections;
    },
    auths,
    set(next) {
      Object.assign(options, next);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A throwaway self-signed certificate (by default for 127.0.0.1 and localhost), made with openssl. */
export function selfSignedCertificate(subjectAltName = 'IP:127.0.0.1,DNS:localhost'): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', `subjectAltName=${subjectAltName}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
