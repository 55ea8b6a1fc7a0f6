import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock, RandomSource } from '../core/ports.js';
import { INSTANCE_BEAT_MS, INSTANCE_DEAD_AFTER_MS } from '../core/ports.js';
import type { InstanceRecord, InstanceStore } from '../core/ports.js';
import { newId } from '../core/ids.js';

/**
 * This process as an instance: the owner of the leases its workers take, with a liveness
 * record it refreshes every second (INSTANCE_BEAT_MS). Another instance takes over the leases of
 * one that stopped refreshing (INSTANCE_DEAD_AFTER_MS), within seconds of its death rather than
 * after the lease; a restarted process takes its predecessor's at once: on the same host key
 * (host name, boot and pid namespace, so pids name the same processes) a recorded pid that is
 * not running any more, or that is this process's own (a container's pid 1), is a dead
 * predecessor, and its record is removed before the first claim.
 */
export class Instance {
  readonly record: InstanceRecord;
  readonly #store: InstanceStore;
  readonly #logger: Pick<Logger, 'info' | 'warn'>;
  #timer: NodeJS.Timeout | null = null;
  #failing = false;
  /** When the last liveness write that succeeded began (monotonic ms); null before registering. */
  #aliveSince: number | null = null;

  constructor(deps: { store: InstanceStore; clock: Clock; random: RandomSource; logger: Pick<Logger, 'info' | 'warn'> }) {
    this.#store = deps.store;
    this.#logger = deps.logger;
    this.record = { id: newId('ins', deps.clock, deps.random), host: hostKey(), pid: process.pid, startedAt: deps.clock.now() };
  }

  get id(): string {
    return this.record.id;
  }

  /** Registers this instance, freeing the leases of dead predecessors on this host, and starts the heartbeat. */
  async start(): Promise<void> {
    const began = performance.now();
    const dead = (await this.#store.listInstances(this.record.host)).filter((other) => other.id !== this.record.id && !running(other.pid));
    await this.#store.registerInstance(this.record, dead.map((other) => other.id));
    this.#aliveSince = began;
    if (dead.length > 0) this.#logger.info({ instances: dead.map((other) => ({ id: other.id, pid: other.pid })) }, 'took over from instances that died on this host');
    this.#timer = setInterval(() => void this.#beat(), INSTANCE_BEAT_MS);
    this.#timer.unref();
  }

  /**
   * Whether no other instance can have taken this one's leases over: its record was last
   * written (by a write that began) less than INSTANCE_DEAD_AFTER_MS − 1 s ago. False after a
   * stall (the event loop blocked, the database unreachable for the heartbeat): a sender then
   * gives its lease back rather than send or try again on a lease that may be another's. An
   * instance that never registered (tests, embedding) keeps its leases by their time alone.
   */
  holdsLeases(): boolean {
    return this.#aliveSince === null || performance.now() - this.#aliveSince < INSTANCE_DEAD_AFTER_MS - 1000;
  }

  async #beat(): Promise<void> {
    const began = performance.now();
    try {
      await this.#store.beatInstance(this.record);
      this.#aliveSince = Math.max(this.#aliveSince ?? 0, began);
      if (this.#failing) this.#logger.info('instance liveness recorded again');
      this.#failing = false;
    } catch (error) {
      // The database is away: the workers notice too. Others may take over this instance's
      // leases meanwhile; its own writes then find the lease gone and change nothing.
      if (!this.#failing) this.#logger.warn({ err: error }, 'could not record that this instance is alive');
      this.#failing = true;
    }
  }

  /** After the workers stopped: what this instance still holds is free for the others at once. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#store.removeInstance(this.record.id).catch(() => {});
  }
}

/** Where pids name the same processes: this host, since its boot, in this pid namespace. */
function hostKey(): string {
  const read = (f: () => string) => {
    try {
      return f().trim();
    } catch {
      return '';
    }
  };
  const boot = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNamespace = read(() => readlinkSync('/proc/self/ns/pid'));
  return [hostname(), boot, pidNamespace].join('/');
}

/** Whether a process of this pid runs here; our own pid is a predecessor's that has died (we are it now). */
function running(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
