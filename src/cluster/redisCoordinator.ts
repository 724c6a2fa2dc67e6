import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { assertLease, DEFAULT_KEY_PREFIX, type ClaimResult, type Coordinator } from './coordinator';

/**
 * The part of an ioredis client the coordinator uses. An `ioredis` `Redis` instance fits it; it is
 * spelled out here so this module's types do not require ioredis to be installed.
 */
export interface RedisClientLike {
  /** ioredis connection status: 'wait' | 'connecting' | 'connect' | 'ready' | 'reconnecting' | 'close' | 'end' … */
  readonly status: string;
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  disconnect(): void;
}

/** Connection options handed to ioredis (`new Redis(options)`); any other ioredis option passes through. */
export interface RedisConnectionOptions {
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: object;
  readonly [option: string]: unknown;
}

/** Options of {@link createRedisCoordinator}. */
export interface RedisCoordinatorOptions {
  /**
   * An existing ioredis client. The coordinator does not own it: `close()` leaves it open, and no
   * option of it is changed. For fail-fast claims create it with `enableOfflineQueue: false`,
   * `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false` (what the coordinator sets
   * on a client it creates itself), and give it an `'error'` listener.
   * Exclusive with `connection`.
   */
  readonly client?: RedisClientLike;
  /**
   * A `redis://` URL or ioredis options; the coordinator then creates and owns its client.
   * @default ioredis's default, 127.0.0.1:6379
   */
  readonly connection?: string | RedisConnectionOptions;
  /** First part of every key: `<prefix>:<schedulerName>:<taskId>:<scheduledAt>`. @default 'rbt' */
  readonly prefix?: string;
  /** A claim not answered within this many ms resolves false with reason `'claim-timeout'`. @default 500 */
  readonly claimTimeoutMs?: number;
  /**
   * How long `createRedisCoordinator` waits for the first connection before resolving anyway (claims
   * fail closed until Redis is reachable). 0 resolves at once. @default 2000
   */
  readonly readyTimeoutMs?: number;
  /** Stored as the value of each claimed key, for operators inspecting Redis. @default '<hostname>:<pid>:<random>' */
  readonly owner?: string;
  /** Called with each connection error of a client the coordinator owns (they are otherwise only counted). */
  readonly onError?: (error: Error) => void;
}

/** Options of the {@link RedisCoordinator} constructor (an already created client). */
export type RedisCoordinatorClientOptions = Omit<RedisCoordinatorOptions, 'client' | 'connection' | 'readyTimeoutMs'>;

const DEFAULT_CLAIM_TIMEOUT_MS = 500;
const DEFAULT_READY_TIMEOUT_MS = 2_000;

/**
 * Settings forced on a client the coordinator creates, so that a claim fails fast while Redis is
 * unreachable instead of queueing (a queued `SET` sent after reconnecting would claim an occurrence
 * this node already reported as skipped). Reconnecting is left to ioredis's own back-off
 * (`retryStrategy`, by default min(50 ms × attempt, 2 s)): no reconnect storm.
 */
const FAIL_FAST = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  lazyConnect: false,
});

/**
 * A {@link Coordinator} on Redis: an occurrence belongs to the node whose `SET key owner NX PX lease`
 * succeeds first. The lease is never released (it expires), so a fast run cannot be repeated by a
 * slower replica. Fails closed: a claim that errors, finds Redis unreachable, or takes longer than
 * `claimTimeoutMs` resolves false with a reason (see {@link RedisCoordinator.claimDetailed}); it
 * never rejects. Create it with {@link createRedisCoordinator}, which loads ioredis only then.
 *
 * @example
 * ```ts
 * const coordinator = new RedisCoordinator(new Redis({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }));
 * await coordinator.claim('rbt:billing:nightly-cleanup:1767225600000', 60_000); // true on one node only
 * ```
 * @see createRedisCoordinator
 */
export class RedisCoordinator implements Coordinator {
  readonly prefix: string;
  readonly claimTimeoutMs: number;
  readonly owner: string;
  /** Connection errors seen on the client (owned clients only). */
  errorCount = 0;
  /** The last connection error seen (owned clients only). */
  lastError: Error | undefined;
  private readonly healthy$: BehaviorSubject<boolean>;
  private readonly detach: () => void;
  private closed = false;

  /**
   * @param client an ioredis client (or anything shaped like {@link RedisClientLike})
   * @param options prefix, claim timeout, owner
   * @param ownsClient true when `close()` should disconnect the client (set by the factory)
   */
  constructor(
    readonly client: RedisClientLike,
    options: RedisCoordinatorClientOptions = {},
    private readonly ownsClient = false,
  ) {
    const o = normalize('RedisCoordinator', options);
    this.prefix = o.prefix;
    this.claimTimeoutMs = o.claimTimeoutMs;
    this.owner = o.owner;
    this.healthy$ = new BehaviorSubject(client.status === 'ready');
    const up = () => this.healthy$.next(true);
    const down = () => this.healthy$.next(false);
    const onError = (err: Error) => {
      this.errorCount++;
      this.lastError = err;
      try {
        o.onError?.(err);
      } catch {
        // a throwing listener must not become an uncaught exception inside ioredis's emitter
      }
    };
    client.on('ready', up);
    client.on('close', down);
    client.on('end', down);
    client.on('reconnecting', down);
    // An 'error' listener on someone else's client would silence their "unhandled error" logging.
    if (ownsClient) client.on('error', onError);
    this.detach = () => {
      client.off('ready', up);
      client.off('close', down);
      client.off('end', down);
      client.off('reconnecting', down);
      if (ownsClient) client.off('error', onError);
    };
  }

  claim(key: string, leaseMs: number): Promise<boolean> {
    return this.claimDetailed(key, leaseMs).then((r) => r.owned);
  }

  /**
   * `SET key owner NX PX leaseMs`, raced against `claimTimeoutMs`. Resolves `{ owned: true }`, or
   * `{ owned: false, reason }` with reason `'claimed-elsewhere'`, `'redis-unavailable'` (not
   * connected, or the command failed; `error` carries it), `'claim-timeout'` or
   * `'coordinator-closed'`. Never rejects; throws synchronously only for an invalid `leaseMs`.
   *
   * A timed-out `SET` may still reach Redis later; the occurrence is then owned by nobody and
   * skipped everywhere — the fail-closed side of the trade (never two runs of one occurrence).
   */
  claimDetailed(key: string, leaseMs: number): Promise<ClaimResult> {
    assertLease('RedisCoordinator.claim', leaseMs);
    if (this.closed) return Promise.resolve({ owned: false, reason: 'coordinator-closed' });
    const status = this.client.status;
    // 'wait' is a lazyConnect client that connects on its first command.
    if (status !== 'ready' && status !== 'wait') return Promise.resolve({ owned: false, reason: 'redis-unavailable' });
    return new Promise<ClaimResult>((resolve) => {
      let settled = false;
      const settle = (result: ClaimResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => settle({ owned: false, reason: 'claim-timeout' }), this.claimTimeoutMs);
      timer.unref?.();
      let reply: Promise<'OK' | null>;
      try {
        reply = this.client.set(key, this.owner, 'PX', Math.ceil(leaseMs), 'NX');
      } catch (error) {
        return settle({ owned: false, reason: 'redis-unavailable', error });
      }
      // Both handlers are attached at once, so a late rejection after a timeout is still handled.
      Promise.resolve(reply).then(
        (r) => settle(r === 'OK' ? { owned: true } : { owned: false, reason: 'claimed-elsewhere' }),
        (error: unknown) => settle({ owned: false, reason: 'redis-unavailable', error }),
      );
    });
  }

  /** Emits whether the client is connected and ready: at once, then on each change. */
  health(): Observable<boolean> {
    return this.healthy$.pipe(distinctUntilChanged());
  }

  isHealthy(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  /** Stops claiming (later claims resolve `'coordinator-closed'`); disconnects the client if the coordinator created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.healthy$.next(false);
    this.healthy$.complete();
    if (this.ownsClient) this.client.disconnect();
    this.detach();
  }
}

/**
 * Creates a {@link RedisCoordinator}. ioredis (an optional peer dependency) is loaded here, with a
 * dynamic `import('ioredis')`, only when no `client` is given — the rest of the library never
 * imports it. Resolves once connected, or after `readyTimeoutMs` even if Redis is unreachable
 * (claims then fail closed until it is).
 *
 * @example
 * ```ts
 * const coordinator = await createRedisCoordinator({ connection: 'redis://127.0.0.1:6379', prefix: 'myapp' });
 * // … scheduler.addTask({ scope: 'cluster', … }) with this coordinator …
 * await coordinator.close();
 * ```
 * @throws {SchedulerError} `INVALID_OPTION` (as a rejection) for invalid options, or when ioredis is not installed
 * @see RedisCoordinator
 */
export async function createRedisCoordinator(options: RedisCoordinatorOptions = {}): Promise<RedisCoordinator> {
  const where = 'createRedisCoordinator';
  normalize(where, options);
  const { client, connection, readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS, ...rest } = options;
  if (typeof readyTimeoutMs !== 'number' || !Number.isFinite(readyTimeoutMs) || readyTimeoutMs < 0) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'readyTimeoutMs', 'must be a finite number ≥ 0', readyTimeoutMs);
  }
  if (client !== undefined) {
    if (connection !== undefined) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'connection', 'must not be set together with client', connection);
    }
    if (!isClientLike(client)) {
      throw new InvalidOptionError('INVALID_OPTION', where, 'client', 'must be an ioredis client', client);
    }
    return new RedisCoordinator(client, rest, false);
  }
  if (connection !== undefined && typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'connection', 'must be a redis:// URL or an ioredis options object', connection);
  }

  const Redis = await loadIoredis(where);
  const created =
    typeof connection === 'string' ? new Redis(connection, { ...FAIL_FAST }) : new Redis({ ...(connection ?? {}), ...FAIL_FAST });
  const coordinator = new RedisCoordinator(created, rest, true);
  if (readyTimeoutMs > 0 && created.status !== 'ready') await firstReady(created, readyTimeoutMs);
  return coordinator;
}

type RedisConstructor = new (...args: unknown[]) => RedisClientLike;

async function loadIoredis(where: string): Promise<RedisConstructor> {
  let mod: { default?: unknown; Redis?: unknown };
  try {
    mod = (await import('ioredis')) as { default?: unknown; Redis?: unknown };
  } catch (err) {
    throw new InvalidOptionError(
      'INVALID_OPTION',
      where,
      'connection',
      'needs the optional peer dependency ioredis (npm install ioredis), which could not be loaded',
      (err as Error)?.message,
    );
  }
  // ESM import of ioredis's CommonJS build: the class is the default export and also `.Redis`.
  const ctor = mod.Redis ?? (mod.default as { Redis?: unknown } | undefined)?.Redis ?? mod.default;
  return ctor as RedisConstructor;
}

/** Resolves on the client's first 'ready', or after `ms`, whichever comes first. Never rejects. */
function firstReady(client: RedisClientLike, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref?.();
    client.on('ready', done);
    client.on('end', done);
  });
}

function isClientLike(value: unknown): value is RedisClientLike {
  const c = value as RedisClientLike;
  return typeof value === 'object' && value !== null && typeof c.set === 'function' && typeof c.on === 'function' && typeof c.off === 'function';
}

function normalize(where: string, options: RedisCoordinatorClientOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'options', 'must be an object', options);
  }
  const { prefix = DEFAULT_KEY_PREFIX, claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS, owner, onError } = options;
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'prefix', 'must be a non-empty string', prefix);
  }
  if (typeof claimTimeoutMs !== 'number' || !Number.isFinite(claimTimeoutMs) || claimTimeoutMs <= 0) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'claimTimeoutMs', 'must be a finite number > 0', claimTimeoutMs);
  }
  if (owner !== undefined && (typeof owner !== 'string' || owner.length === 0)) {
    throw new InvalidOptionError('INVALID_OPTION', where, 'owner', 'must be a non-empty string', owner);
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new InvalidOptionError('INVALID_OPTION', where, 'onError', 'must be a function', onError);
  }
  return {
    prefix,
    claimTimeoutMs,
    owner: owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    onError,
  };
}
