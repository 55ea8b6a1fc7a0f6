import type { Logger } from 'pino';
import type { Clock, DevOutboxStore, RandomSource, MessageSender } from '../core/ports.js';
import type { SmppConnections } from './smpp/smpp-connections.js';
import type { Channel, MessageStatus } from '../core/model.js';

/** Settings of one configured provider: flat strings (env vars and API bodies both fit). */
export type ProviderSettings = Readonly<Record<string, string>>;

/** One setting a provider type understands. The env var is `OTPGATE_<TYPE>_<KEY>` (upper case). */
export interface ProviderField {
  key: string;
  required: boolean;
  /** Credentials: sealed at rest, never shown by the API, never logged. */
  secret: boolean;
  /**
   * Decides where the provider connects, though it is not a URL (an SMPP host and port): a
   * masked credential is kept through a change of it only when given again. URL settings count
   * by their shape, without this.
   */
  destination?: boolean;
  description: string;
  /** Extra check beyond "present"; returns a reason when the value is bad. */
  validate?: (value: string) => string | null;
  example?: string;
}

/** A configured provider: a name unique within its scope, a type and its settings. */
export interface ProviderDefinition {
  name: string;
  type: string;
  settings: ProviderSettings;
}

/** What a provider needs from the world. Each send builds a fresh provider from these. */
export interface ProviderContext {
  /** The HTTP client; tests and timeouts go through it. Default global fetch. */
  fetch: typeof fetch;
  /** Abort signal of this send (the worker's time-out). */
  signal?: AbortSignal;
  logger: Logger;
  clock: Clock;
  random: RandomSource;
  /** Where the console provider keeps what it "sent". */
  devOutbox: DevOutboxStore;
  /** Long-lived SMPP binds (the SMPP provider's connections). */
  smpp?: SmppConnections;
}

/** An inbound delivery receipt as the HTTP layer saw it. */
export interface ReceiptRequest {
  method: string;
  /** The full public URL the vendor called (scheme, host, path and query), for signatures. */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string>>;
  /** The body exactly as received (signatures cover raw bytes). */
  rawBody: string;
  /** Form fields or JSON members of the body, when it was one of those. */
  fields: Readonly<Record<string, unknown>>;
  /** Now (epoch ms), for signature time windows. */
  now: number;
}

/** One message's status as a receipt reports it. */
export interface ReceiptStatus {
  /** null when the receipt reports an intermediate state we do not record (e.g. "accepted by SMSC"). */
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'undelivered' | 'failed'> | null;
  errorCode: string | null;
  providerMessageId: string | null;
}

export type ReceiptOutcome =
  | { accepted: false; reason: string }
  | ({ accepted: true } & ReceiptStatus & {
      /**
       * Further statuses of the same callback, for vendors that batch them (Meta's webhooks).
       * Read on the account-wide route only, where each is matched by its `providerMessageId`.
       */
      more?: readonly ReceiptStatus[];
      /**
       * Answer 200 with this text/plain body instead of 204: a subscription handshake's challenge
       * (Meta's `hub.challenge`), or '' for a vendor that retries any other answer.
       */
      reply?: string;
    });

/** Everything otpgate knows about one provider type. One module per vendor. */
export interface ProviderModule {
  type: string;
  /** The channels it can send (routing refuses a provider on a channel it lacks); its `send` reads `message.content.channel`. */
  channels: readonly Channel[];
  fields: readonly ProviderField[];
  create(definition: ProviderDefinition, context: ProviderContext): MessageSender;
  /**
   * Authenticates a delivery receipt the vendor's way and reads it. Absent when the vendor has
   * no receipts (or they come over the provider's own connection, as with SMPP).
   */
  receipt?(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome | Promise<ReceiptOutcome>;
}
