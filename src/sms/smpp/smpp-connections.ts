import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { PDU, Session } from 'smpp';
import { SendError } from '../../core/ports.js';
import type { ProviderDefinition, ReceiptOutcome } from '../provider-types.js';
import { parseSmppReceipt } from './smpp-receipt.js';

/** ESME command_status values by number, from the library's constants (for error codes); filled when the library loads, before any status arrives. */
let STATUS_NAMES = new Map<number, string>();
async function loadSmpp(): Promise<(typeof import('smpp'))['default']> {
  const { default: smpp } = await import('smpp');
  if (STATUS_NAMES.size === 0) {
    STATUS_NAMES = new Map(Object.entries(smpp).filter(([k, v]) => k.startsWith('ESME_') && typeof v === 'number').map(([k, v]) => [v as number, k]));
  }
  return smpp;
}
export const statusName = (status: number): string => STATUS_NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;

export type ConnectionReceiptHandler = (providerName: string, outcome: ReceiptOutcome) => void;

export interface SmppConnectionsOptions {
  logger: Logger;
  /** Called for each delivery receipt (`deliver_sm` with esm_class bit 2) that arrives on a link. */
  onReceipt: ConnectionReceiptHandler;
}

/**
 * Long-lived SMPP binds, one per distinct SMSC account (host, port, system id, password), shared
 * by the fresh provider objects built for each send. A link binds as transceiver, keeps itself
 * alive with enquire_link, answers the SMSC's enquire_link and deliver_sm, and reconnects with
 * backoff when the connection drops, so receipts keep arriving between sends.
 */
export class SmppConnections {
  readonly #links = new Map<string, SmppLink>();
  constructor(private readonly options: SmppConnectionsOptions) {}

  link(definition: ProviderDefinition): SmppLink {
    const s = definition.settings;
    const key = createHash('sha256').update(JSON.stringify([definition.name, s.host, s.port, s.system_id, s.password, s.system_type ?? ''])).digest('hex');
    let link = this.#links.get(key);
    if (!link) {
      link = new SmppLink(definition, this.options);
      this.#links.set(key, link);
    }
    return link;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#links.values()].map((link) => link.close()));
    this.#links.clear();
  }
}


export class SmppLink {
  #session: Session | null = null;
  #bound = false;
  #closed = false;
  #connecting: Promise<void> | null = null;
  #reconnectDelay = 250;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** Set when the SMSC refused our credentials: no background reconnects until the next send asks. */
  #refused = false;
  readonly #pending = new Set<(error: Error) => void>();
  readonly #log: Logger;

  constructor(private readonly definition: ProviderDefinition, private readonly options: SmppConnectionsOptions) {
    this.#log = options.logger.child({ provider: definition.name, smsc: `${definition.settings.host}:${definition.settings.port ?? 2775}` });
  }

  get bound(): boolean {
    return this.#bound;
  }

  /** Resolves once the link is bound, connecting (again) if needed. */
  ready(timeoutMs: number): Promise<void> {
    if (this.#bound) return Promise.resolve();
    this.#connecting ??= this.#connect(timeoutMs).finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  /** One submit_sm; resolves with the SMSC's answer PDU (any command_status). */
  submit(params: Record<string, unknown>, timeoutMs: number): Promise<PDU> {
    return new Promise<PDU>((resolve, reject) => {
      const session = this.#session;
      if (!session || !this.#bound) {
        reject(new SendError('smpp_not_bound', 'the SMPP link is not bound', true));
        return;
      }
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(() => {
        this.#pending.delete(fail);
        reject(new SendError('timeout', `no submit_sm_resp within ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.#pending.add(fail);
      const sent = session.submit_sm(params, (pdu) => {
        clearTimeout(timer);
        this.#pending.delete(fail);
        resolve(pdu);
      });
      if (!sent) {
        // The socket died before its close event: drop the bind so the next try reconnects.
        this.#pending.delete(fail);
        this.#bound = false;
        session.destroy();
        fail(new SendError('smpp_connection_lost', 'the SMPP connection is not writable', true));
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const session = this.#session;
    this.#session = null;
    this.#bound = false;
    if (!session || session.socket.destroyed) return;
    if (!session.socket.writable) {
      session.socket.destroy();
      return;
    }
    // Unbind politely, but never wait more than a second for an SMSC that does not answer.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        session.socket.destroy();
        resolve();
      }, 1000);
      session.unbind({}, () => {
        clearTimeout(timer);
        session.socket.destroy();
        resolve();
      });
    });
  }

  async #connect(timeoutMs: number): Promise<void> {
    const s = this.definition.settings;
    // Loaded on the first bind: an instance without an SMPP provider never holds the library.
    const smpp = await loadSmpp();
    return new Promise<void>((resolve, reject) => {
      if (this.#closed) {
        reject(new SendError('smpp_closed', 'the SMPP link is shut down', true));
        return;
      }
      let settled = false;
      const done = (error: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        done(new SendError('smpp_bind_timeout', `not bound within ${timeoutMs} ms`, true));
        session.destroy();
      }, timeoutMs);
      const session = smpp.connect({ host: s.host!, port: Number(s.port ?? 2775), auto_enquire_link_period: Number(s.enquire_link_ms ?? 30_000) });
      this.#session = session;
      session.on('error', (error: Error) => {
        this.#log.warn({ err: error.message }, 'smpp connection error');
        done(new SendError('smpp_connection_error', error.message, true));
      });
      session.on('close', () => {
        const wasBound = this.#bound;
        this.#bound = false;
        if (this.#session === session) this.#session = null;
        for (const fail of this.#pending) fail(new SendError('smpp_connection_lost', 'the SMPP connection closed', true));
        this.#pending.clear();
        done(new SendError('smpp_connection_lost', 'the SMPP connection closed before the bind', true));
        if (wasBound) this.#log.warn('smpp link lost; reconnecting');
        this.#scheduleReconnect(timeoutMs);
      });
      // The SMSC's keep-alives and receipts must be answered, or it drops the bind.
      session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
      session.on('unbind', (pdu: PDU) => {
        session.send(pdu.response());
        session.close();
      });
      session.on('deliver_sm', (pdu: PDU) => {
        session.send(pdu.response());
        const outcome = parseSmppReceipt(pdu);
        if (outcome) this.options.onReceipt(this.definition.name, outcome);
      });
      session.on('connect', () => {
        session.bind_transceiver({ system_id: s.system_id, password: s.password, system_type: s.system_type ?? '', interface_version: 0x34 }, (pdu) => {
          if (pdu.command_status === 0) {
            this.#bound = true;
            this.#refused = false;
            this.#reconnectDelay = 250;
            this.#log.info('smpp bound as transceiver');
            done(null);
          } else {
            this.#refused = true;
            // Retryable: a refused bind (bad credentials, too many binds) is this SMSC's problem,
            // so the message may still go out through the next provider of the route.
            done(new SendError(`smpp_${statusName(pdu.command_status)}`, 'bind_transceiver refused', true));
            session.close();
          }
        });
      });
    });
  }

  #scheduleReconnect(timeoutMs: number): void {
    if (this.#closed || this.#refused || this.#reconnectTimer) return;
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 10_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#closed || this.#bound || this.#connecting) return;
      this.ready(timeoutMs).catch(() => this.#scheduleReconnect(timeoutMs));
    }, delay);
    this.#reconnectTimer.unref();
  }
}
