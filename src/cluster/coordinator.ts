import { asyncScheduler, defer, from, of, type Observable, type SchedulerLike } from 'rxjs';
import { InvalidOptionError } from '../errors';

/**
 * Why a claim did not make this node the owner of an occurrence.
 *
 * - `'claimed-elsewhere'` another node (or an earlier claim of this one) holds the occurrence's lease;
 * - `'redis-unavailable'` the coordinator's store could not be reached (disconnected, command error);
 * - `'claim-timeout'` the store did not answer within the coordinator's claim timeout;
 * - `'coordinator-error'` a custom coordinator's `claim` threw or rejected;
 * - `'coordinator-closed'` the coordinator was closed.
 *
 * Every reason but the first means "not known to be owned": the occurrence is skipped on this node
 * (fail closed), never run on a guess.
 */
export type ClaimRefusal = 'claimed-elsewhere' | 'redis-unavailable' | 'claim-timeout' | 'coordinator-error' | 'coordinator-closed';

/** The outcome of one claim. */
export type ClaimResult =
  | { readonly owned: true; readonly reason?: undefined; readonly error?: undefined }
  | { readonly owned: false; readonly reason: ClaimRefusal; readonly error?: unknown };

/**
 * Decides which node of a cluster runs an occurrence of a time-triggered task.
 *
 * The unit of coordination is the *occurrence* — a task's scheduled time as its trigger computed
 * it — not the task: each node asks to `claim` the occurrence's key (built with
 * {@link occurrenceKey}) for a lease, and runs the occurrence only when the claim returns true.
 * The lease is not released when the run ends; it expires. A claim that cannot be decided (store
 * unreachable, slow, erroring) resolves `false`: coordinators fail closed, and `claim` never rejects.
 *
 * @example
 * ```ts
 * const coordinator: Coordinator = new InMemoryCoordinator();
 * const key = occurrenceKey(coordinator.prefix ?? DEFAULT_KEY_PREFIX, 'billing', 'nightly-cleanup', scheduledAt);
 * if (await coordinator.claim(key, 60_000)) await cleanup();
 * ```
 * @see InMemoryCoordinator
 * @see claimOccurrence
 */
export interface Coordinator {
  /** Prefix of the keys this coordinator's users should build with {@link occurrenceKey}. @default 'rbt' */
  readonly prefix?: string;
  /**
   * Tries to own `key` for `leaseMs` ms. Resolves true when this node owns it, false otherwise
   * (held elsewhere, or the claim could not be decided). Must not reject.
   */
  claim(key: string, leaseMs: number): Promise<boolean>;
  /** Like {@link claim}, with the reason of a refusal. */
  claimDetailed?(key: string, leaseMs: number): Promise<ClaimResult>;
  /**
   * Synchronous claim, for coordinators that need no I/O (in memory). When present, a claim under
   * an RxJS TestScheduler is decided in the same virtual instant, with no Promise hop.
   */
  claimNow?(key: string, leaseMs: number): ClaimResult;
  /** Health of the coordinator's store: emits the current state on subscription, then each change. */
  health?(): Observable<boolean>;
  /** True while claims can be decided. */
  isHealthy?(): boolean;
  /** Releases the coordinator's own resources (connections it opened). Harmless when called twice. */
  close?(): Promise<void>;
}

/** Key prefix used when a coordinator names none. */
export const DEFAULT_KEY_PREFIX = 'rbt';

/**
 * The key of one occurrence: `<prefix>:<schedulerName>:<taskId>:<scheduledAt>`.
 *
 * `scheduledAt` is the occurrence's scheduled time in epoch ms *as the trigger computed it* —
 * before any jitter, never `Date.now()` or the time the tick was observed — so every replica
 * derives the same key for the same occurrence even when their clocks differ by a few ms.
 * `:` and `%` inside the names are percent-encoded, so different (scheduler, task) pairs can never
 * produce the same key.
 *
 * @example
 * ```ts
 * occurrenceKey('rbt', 'billing', 'nightly-cleanup', Date.UTC(2026, 0, 1)); // 'rbt:billing:nightly-cleanup:1767225600000'
 * ```
 * @throws {SchedulerError} `INVALID_OPTION` for an empty prefix or name, or a `scheduledAt` that is not a finite integer
 */
export function occurrenceKey(prefix: string, schedulerName: string, taskId: string, scheduledAt: number | Date): string {
  const at = scheduledAt instanceof Date ? scheduledAt.getTime() : scheduledAt;
  if (typeof at !== 'number' || !Number.isSafeInteger(at)) {
    throw new InvalidOptionError('INVALID_OPTION', 'occurrenceKey', 'scheduledAt', 'must be a whole number of epoch ms (or a valid Date)', scheduledAt);
  }
  return `${keyPart('prefix', prefix)}:${keyPart('schedulerName', schedulerName)}:${keyPart('taskId', taskId)}:${at}`;
}

function keyPart(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError('INVALID_OPTION', 'occurrenceKey', field, 'must be a non-empty string', value);
  }
  return value.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/**
 * Claims an occurrence through any {@link Coordinator} and emits one {@link ClaimResult}, then
 * completes. Synchronous when the coordinator has `claimNow`; otherwise it uses `claimDetailed`
 * or `claim`. A coordinator that throws or rejects yields `{ owned: false, reason: 'coordinator-error' }`:
 * this Observable never errors.
 *
 * @example
 * ```ts
 * fires$.pipe(concatMap((fire) => claimOccurrence(coordinator, keyOf(fire), leaseMs).pipe(
 *   filter((r) => r.owned), map(() => fire))));
 * ```
 */
export function claimOccurrence(coordinator: Coordinator, key: string, leaseMs: number): Observable<ClaimResult> {
  return defer(() => {
    try {
      if (coordinator.claimNow) return of(coordinator.claimNow(key, leaseMs));
      const pending = coordinator.claimDetailed
        ? coordinator.claimDetailed(key, leaseMs)
        : coordinator.claim(key, leaseMs).then((owned): ClaimResult => (owned === true ? OWNED : CLAIMED_ELSEWHERE));
      return from(Promise.resolve(pending).then(undefined, coordinatorError));
    } catch (err) {
      return of(coordinatorError(err));
    }
  });
}

const OWNED: ClaimResult = Object.freeze({ owned: true });
const CLAIMED_ELSEWHERE: ClaimResult = Object.freeze({ owned: false, reason: 'claimed-elsewhere' });
const coordinatorError = (error: unknown): ClaimResult => ({ owned: false, reason: 'coordinator-error', error });

/** Checks the lease of a claim; shared by the coordinators. */
export function assertLease(where: string, leaseMs: number): void {
  if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs < 1) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'leaseMs', 'must be a finite number ≥ 1', leaseMs);
  }
}

/** Options of {@link InMemoryCoordinator}. */
export interface InMemoryCoordinatorOptions {
  /** The clock leases are measured on. @default asyncScheduler (wall clock) */
  readonly scheduler?: SchedulerLike;
  /** @default 'rbt' */
  readonly prefix?: string;
}

/**
 * A {@link Coordinator} in this process's memory: several schedulers of one process (or of one
 * test) that share an instance run each occurrence once between them. Leases are measured on an
 * RxJS scheduler, so it works under `TestScheduler` in virtual time; claims are synchronous
 * through {@link InMemoryCoordinator.claimNow}.
 *
 * It coordinates nothing across processes: use a Redis coordinator for that.
 *
 * @example
 * ```ts
 * const coordinator = new InMemoryCoordinator();
 * coordinator.claimNow('rbt:s:t:0', 1_000); // { owned: true }
 * coordinator.claimNow('rbt:s:t:0', 1_000); // { owned: false, reason: 'claimed-elsewhere' }
 * ```
 * @see createRedisCoordinator
 */
export class InMemoryCoordinator implements Coordinator {
  readonly prefix: string;
  private readonly scheduler: SchedulerLike;
  /** key → lease expiry (scheduler clock ms). */
  private readonly leases = new Map<string, number>();
  /** Entries are swept when the map grows past this; doubled if most are still live. */
  private sweepAt = 1024;
  private closed = false;

  constructor(options: InMemoryCoordinatorOptions = {}) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
  }

  /** Number of leases not yet expired. */
  get size(): number {
    this.sweep(this.scheduler.now());
    return this.leases.size;
  }

  claimNow(key: string, leaseMs: number): ClaimResult {
    assertLease('InMemoryCoordinator.claim', leaseMs);
    if (this.closed) return { owned: false, reason: 'coordinator-closed' };
    const now = this.scheduler.now();
    const expiry = this.leases.get(key);
    if (expiry !== undefined && expiry > now) return CLAIMED_ELSEWHERE;
    this.leases.set(key, now + leaseMs);
    if (this.leases.size >= this.sweepAt) this.sweep(now);
    return OWNED;
  }

  claimDetailed(key: string, leaseMs: number): Promise<ClaimResult> {
    return Promise.resolve(this.claimNow(key, leaseMs));
  }

  claim(key: string, leaseMs: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, leaseMs).owned);
  }

  isHealthy(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.leases.clear();
  }

  private sweep(now: number): void {
    for (const [key, expiry] of this.leases) if (expiry <= now) this.leases.delete(key);
    // Why: keep sweeping amortised O(1) per claim when many leases are legitimately alive.
    this.sweepAt = Math.max(1024, this.leases.size * 2);
  }
}
