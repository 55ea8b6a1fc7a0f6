import type { Channel, ServiceSettings } from '../core/model.js';
import type { MessageContent } from '../core/ports.js';
import type { Locale } from '../sms/locales.js';

/** What every channel renders a code from. */
export interface RenderInput {
  locale: Locale;
  code: string;
  /** The service's name, or the verification's friendly name. */
  serviceName: string;
  settings: ServiceSettings;
  /** Android SMS Retriever hash of this verification (or the service's); SMS only. */
  appHash: string | null;
  /** The service's own SMS text for this locale, when it has one; SMS only. */
  template: string | null;
}

/** A code made into one channel's message. */
export interface RenderedMessage {
  /** The message as text (what the dev outbox shows). */
  body: string;
  /** `body` with the code masked: the only form that may be logged. */
  redactedBody: string;
  content: MessageContent;
}

/**
 * One way of reaching a person with a code. A channel knows its kind of address and how it says
 * the code in a locale; which providers send it is routing's business (providers declare their
 * channels), and budgets, caps, the outbox and receipts work for every channel alike.
 */
export interface ChannelModule {
  name: Channel;
  /** What `to` is: an E.164 number or an email address. */
  address: 'phone' | 'email';
  /** Renders from the service's own text per locale (`/v1/services/{id}/templates`) when it has one. */
  templated: boolean;
  render(input: RenderInput): RenderedMessage;
}

/** Control, format (bidi) and line characters of a name shown in a message become spaces, and runs of spaces one. */
export function cleanName(name: string): string {
  return name.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** Replaces `{name}` placeholders (unknown ones stay). */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([a-z]+)\}/g, (whole, key: string) => values[key] ?? whole);
}
