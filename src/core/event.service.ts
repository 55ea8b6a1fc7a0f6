import { AppError } from './errors.js';
import type { EventFactory, EventRecord, EventType } from './events.js';
import { isId } from './ids.js';
import type { Scope, Tenant } from './model.js';
import type { Store } from './ports.js';

export interface EventQuery {
  /** Newest first, older than this event id. */
  cursor?: string | undefined;
  /** Oldest first, after this event id: catching up. */
  after?: string | undefined;
  type?: EventType | undefined;
  limit: number;
}

export interface EventPage {
  data: EventRecord[];
  /** The event id to pass next (as `cursor`, or as `after` when catching up); null when done. */
  nextCursor: string | null;
  /** True when another page is ready now. */
  hasMore: boolean;
}

export interface EventServiceDeps {
  store: Pick<Store, 'appendEvents' | 'getEvent' | 'listEvents'>;
  events: EventFactory;
  /** Events were written: start webhook delivery now. */
  onEventsWritten?: () => void;
}

/** Reading a service's events, and publishing events that no other state change carries. */
export class EventService {
  readonly #deps: EventServiceDeps;

  constructor(deps: EventServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Publishes one event on its own (it is fanned out to webhooks in the same transaction).
   * For events caused by a state change, pass an `EventsOf` to that store write instead, so
   * the change and its event commit together. Example (abuse controls):
   * `await c.events.publish({ serviceId, mode: 'live' }, 'fraud.prefix_blocked', { prefix: '+2327', … })`.
   */
  async publish(scope: Scope, type: EventType, data: Record<string, unknown>): Promise<EventRecord> {
    const event = this.#deps.events.create(scope, type, data);
    await this.#deps.store.appendEvents([event]);
    this.#deps.onEventsWritten?.();
    return event;
  }

  async get(tenant: Tenant, id: string): Promise<EventRecord> {
    const event = isId(id, 'evt') ? await this.#deps.store.getEvent(tenant, id) : null;
    if (!event) throw new AppError('event_not_found', `No event ${id}.`);
    return event;
  }

  async list(tenant: Tenant, query: EventQuery): Promise<EventPage> {
    if (query.cursor !== undefined && query.after !== undefined) {
      throw new AppError('invalid_request', 'Give "cursor" (newest first) or "after" (oldest first), not both.');
    }
    const anchor = query.after ?? query.cursor;
    if (anchor !== undefined && !isId(anchor, 'evt')) throw new AppError('invalid_cursor', 'Cursors are event ids (evt_…) this API returned.');
    const rows = await this.#deps.store.listEvents(tenant, {
      limit: query.limit + 1,
      type: query.type,
      before: query.cursor ?? null,
      after: query.after ?? null,
    });
    if (rows === null) throw new AppError('invalid_cursor', `No event ${anchor} in this service and mode.`);
    const more = rows.length > query.limit;
    const data = more ? rows.slice(0, query.limit) : rows;
    const last = data.at(-1)?.id ?? null;
    // Catching up, the last id seen is always where to go on from (even when nothing is new yet).
    const nextCursor = query.after !== undefined ? (last ?? query.after) : more ? last : null;
    return { data, nextCursor, hasMore: more };
  }
}
