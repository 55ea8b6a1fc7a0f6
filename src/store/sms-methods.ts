import type { DeliveryReceiptStore, SmsConfigStore, TemplateStore } from '../core/ports.js';

/** The SMS-delivery store methods (issue 4), kept in their own class per SQL store. */
export type SmsStoreMethods = DeliveryReceiptStore & SmsConfigStore & TemplateStore;

const METHODS = [
  'getMessage',
  'findMessageByProviderId',
  'applyDeliveryReceipt',
  'getSmsConfig',
  'putSmsConfig',
  'deleteSmsConfig',
  'putTemplate',
  'getTemplate',
  'listTemplates',
  'deleteTemplate',
] as const satisfies ReadonlyArray<keyof SmsStoreMethods>;

/**
 * The methods of `queries`, bound, to assign onto a store, so SqliteStore and PostgresStore
 * expose them without repeating ten delegating lines each (they declare the type by merging
 * `SmsStoreMethods` into the class).
 */
export function smsMethods(queries: SmsStoreMethods): SmsStoreMethods {
  return Object.fromEntries(METHODS.map((name) => [name, (queries[name] as (...args: unknown[]) => unknown).bind(queries)])) as unknown as SmsStoreMethods;
}
