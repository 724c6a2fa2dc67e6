/**
 * A BullMQ queue as a mailbox for `eventTrigger`: several replicas share one durable stream of
 * jobs, each applying its own priorities, concurrency limit and resource limits.
 *
 * This module is its own entry point: it imports BullMQ and nothing of the scheduler, so the core
 * never depends on BullMQ.
 */
import { randomUUID } from 'node:crypto';
import { Worker, type Job, type WorkerOptions } from 'bullmq';

/** Options of {@link fromBullMQ}: BullMQ `WorkerOptions` (connection, prefix, lockDuration, stalledInterval, …) but `autorun`/`concurrency`. */
export interface FromBullMQOptions extends Omit<WorkerOptions, 'autorun' | 'concurrency' | 'lockRenewTime'> {
  /**
   * How long a taken job stays locked to this process without renewal. While a message is held
   * (taken and not yet acked, nacked or released) its lock is extended every `lockRenewTime` ms; if
   * this process dies, the lock lapses and BullMQ's stalled check (on any live worker of the queue,
   * every `stalledInterval` ms) moves the job back to wait, to be run elsewhere.
   * @default 30000
   */
  readonly lockDuration?: number;
  /** Interval of lock renewal for held messages. @default lockDuration / 2 */
  readonly lockRenewTime?: number;
  /** Called with each error the worker reports (connection errors, failed lock renewals). @default ignore (they are counted) */
  readonly onError?: (error: Error) => void;
}

/** One BullMQ job taken from the queue; settle it exactly once with `ack`, `nack` or `release`. */
export interface BullMQMessage<D = unknown, R = unknown, N extends string = string> {
  readonly job: Job<D, R, N>;
  readonly id: string;
  readonly name: N;
  readonly data: D;
  /** Attempts BullMQ has recorded as failed before this one. */
  readonly attemptsMade: number;
  /**
   * Aborted when this process lost the job's lock (it may then run elsewhere) or when the mailbox
   * was closed while the message was held. Pass it on to the work, e.g. `AbortSignal.any([ctx.signal, msg.signal])`.
   */
  readonly signal: AbortSignal;
  /** True once `ack`, `nack` or `release` was called. */
  readonly settled: boolean;
  /** The run succeeded: moves the job to completed with `result`. Rejects if the lock was lost. */
  ack(result?: R): Promise<void>;
  /** The run failed: moves the job to failed, from where BullMQ retries it if it has attempts left. */
  nack(error?: unknown): Promise<void>;
  /** Gives the job back unrun: moves it to wait without counting an attempt. */
  release(): Promise<void>;
}

/** The AsyncIterable returned by {@link fromBullMQ}. */
export interface BullMQMailbox<D = unknown, R = unknown, N extends string = string>
  extends AsyncIterableIterator<BullMQMessage<D, R, N>> {
  /** The BullMQ worker (created with `autorun: false`): its events, `isPaused()`, … */
  readonly worker: Worker<D, R, N>;
  /** Messages taken and not yet settled. */
  readonly held: number;
  /** Errors the worker reported (see `onError`). */
  readonly errorCount: number;
  /**
   * Takes no more jobs; messages still held are released (moved back to wait, their signals
   * aborted), then the worker closes. Resolves when it has. Harmless when called twice.
   */
  close(): Promise<void>;
}

const DEFAULT_LOCK_DURATION = 30_000;

/**
 * Consumes the BullMQ queue `queueName` as an AsyncIterable of {@link BullMQMessage}s, pulled with
 * back-pressure: a job is taken from Redis only when the consumer asks for the next message
 * (`worker.getNextJob`, one at a time), so a slow consumer never drains the queue into memory and
 * jobs it has not taken stay available to other replicas. Pass it to `eventTrigger`.
 *
 * A job is acknowledged (moved to completed) only when the consumer calls `ack` after its run
 * succeeded; `nack` leaves it to BullMQ's retry (`attempts`/`backoff` of the job). Held messages'
 * locks are extended while they are held; a process that dies leaves its jobs to BullMQ's stalled
 * check, which returns them to wait after `lockDuration` (+ up to two `stalledInterval`s) —
 * at-least-once delivery, as with any BullMQ worker; a job stalled more than `maxStalledCount`
 * times (default 1) is failed by BullMQ.
 *
 * `return()` of the iterator (a `for await` that breaks, a removed task) stops taking jobs and
 * closes the worker once every held message is settled; `close()` does not wait.
 *
 * @example
 * ```ts
 * const mailbox = fromBullMQ<{ url: string }>('fetch', { connection: { host: '127.0.0.1', port: 6379 } });
 * scheduler.addTask({
 *   name: 'fetch',
 *   triggers: [eventTrigger(mailbox)],
 *   run: async (_, ctx) => {
 *     const msg = ctx.event!;
 *     try { const r = await fetchIt(msg.data.url, AbortSignal.any([ctx.signal, msg.signal])); await msg.ack(r); }
 *     catch (err) { await msg.nack(err); throw err; }
 *   },
 * });
 * ```
 * @throws {TypeError | RangeError} for an empty queue name, missing connection, or invalid lock settings
 */
export function fromBullMQ<D = unknown, R = unknown, N extends string = string>(
  queueName: string,
  options: FromBullMQOptions,
): BullMQMailbox<D, R, N> {
  return new Mailbox<D, R, N>(queueName, options);
}

class Mailbox<D, R, N extends string> implements BullMQMailbox<D, R, N> {
  readonly worker: Worker<D, R, N>;
  errorCount = 0;
  private readonly lockDuration: number;
  private readonly lockRenewTime: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly tokenBase = randomUUID();
  private tokenSeq = 0;
  /** next() calls run one after another: getNextJob must not be called concurrently. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly holding = new Set<Message<D, R, N>>();
  private ending = false;
  private closing: Promise<void> | undefined;
  private stalledCheckStarted = false;
  private readonly wake = new AbortController();

  constructor(queueName: string, options: FromBullMQOptions) {
    if (typeof queueName !== 'string' || queueName.length === 0) {
      throw new TypeError(`fromBullMQ: queueName must be a non-empty string, got ${show(queueName)}`);
    }
    if (typeof options !== 'object' || options === null || options.connection == null) {
      throw new TypeError(`fromBullMQ: options.connection must be a BullMQ connection (ioredis options or client), got ${show(options?.connection)}`);
    }
    const { onError, lockDuration = DEFAULT_LOCK_DURATION, lockRenewTime = lockDuration / 2, ...workerOptions } = options;
    if (!Number.isFinite(lockDuration) || lockDuration <= 0) {
      throw new RangeError(`fromBullMQ: lockDuration must be a finite number > 0, got ${show(lockDuration)}`);
    }
    if (!Number.isFinite(lockRenewTime) || lockRenewTime <= 0 || lockRenewTime >= lockDuration) {
      throw new RangeError(`fromBullMQ: lockRenewTime must be a finite number > 0 and < lockDuration (${lockDuration}), got ${show(lockRenewTime)}`);
    }
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError(`fromBullMQ: onError must be a function, got ${show(onError)}`);
    }
    this.lockDuration = lockDuration;
    this.lockRenewTime = lockRenewTime;
    this.onError = onError;
    // No processor and autorun: false: jobs are taken only by next(); our own timers renew locks.
    this.worker = new Worker<D, R, N>(queueName, null, { ...workerOptions, lockDuration, autorun: false, concurrency: 1 });
    // An EventEmitter 'error' without a listener would throw; report it instead.
    this.worker.on('error', (err) => this.reportError(err));
  }

  get held(): number {
    return this.holding.size;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<BullMQMessage<D, R, N>>> {
    const result = this.chain.then(() => this.take());
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Stops taking jobs; the worker closes once every held message is settled. */
  async return(): Promise<IteratorResult<BullMQMessage<D, R, N>>> {
    this.ending = true;
    if (this.holding.size === 0) await this.shutdown();
    return { value: undefined, done: true };
  }

  close(): Promise<void> {
    this.ending = true;
    this.wake.abort();
    const releases = [...this.holding].map((m) => m.releaseOnClose());
    return Promise.allSettled(releases).then(() => this.shutdown());
  }

  private async take(): Promise<IteratorResult<BullMQMessage<D, R, N>>> {
    if (!this.stalledCheckStarted && !this.ending) {
      this.stalledCheckStarted = true;
      // Manual processing must start the stalled checker itself (BullMQ docs, "Manually processing jobs").
      await this.worker.startStalledCheckTimer().catch((err) => this.reportError(err));
    }
    let failures = 0;
    while (!this.ending) {
      const token = `${this.tokenBase}:${++this.tokenSeq}`;
      const started = Date.now();
      let job: Job<D, R, N> | undefined;
      try {
        // Blocks up to `drainDelay` s while the queue is empty, then returns undefined.
        job = await this.worker.getNextJob(token, { block: true });
        failures = 0;
      } catch (err) {
        if (this.ending) break;
        this.reportError(err);
        // Redis unreachable: retry with a capped back-off instead of ending the mailbox.
        await this.pauseFor(Math.min(100 * 2 ** failures++, 5_000));
        continue;
      }
      if (job) {
        if (this.ending) {
          await job.moveToWait(token).catch((err) => this.reportError(err));
          break;
        }
        const message = new Message<D, R, N>(this, job, token);
        this.holding.add(message);
        return { value: message, done: false };
      }
      // An immediate undefined means paused, rate-limited or closing, not a drained wait: don't spin.
      if (Date.now() - started < 20) await this.pauseFor(100);
    }
    return { value: undefined, done: true };
  }

  /** @internal */
  settledMessage(message: Message<D, R, N>): void {
    this.holding.delete(message);
    if (this.ending && this.holding.size === 0) void this.shutdown();
  }

  /** @internal */
  renewLock(message: Message<D, R, N>): ReturnType<typeof setInterval> {
    const timer = setInterval(() => {
      message.job.extendLock(message.token, this.lockDuration).then(
        (ok) => {
          if (!ok) message.lockLost();
        },
        // A failed renewal is retried at the next tick; if the lock lapsed meanwhile, that one reports it.
        (err) => this.reportError(err),
      );
    }, this.lockRenewTime);
    timer.unref?.();
    return timer;
  }

  private shutdown(): Promise<void> {
    this.wake.abort();
    // force: no processor runs inside the worker, and a blocked getNextJob must not hold the close up.
    return (this.closing ??= this.worker.close(true).catch((err) => this.reportError(err)));
  }

  private pauseFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.wake.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.wake.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.signal.addEventListener('abort', done);
    });
  }

  private reportError(err: unknown): void {
    this.errorCount++;
    try {
      this.onError?.(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // a throwing listener must not break the mailbox
    }
  }
}

class Message<D, R, N extends string> implements BullMQMessage<D, R, N> {
  private readonly abort = new AbortController();
  private readonly timer: ReturnType<typeof setInterval>;
  private done = false;

  constructor(
    private readonly mailbox: Mailbox<D, R, N>,
    readonly job: Job<D, R, N>,
    readonly token: string,
  ) {
    this.timer = mailbox.renewLock(this);
  }

  get id(): string {
    return this.job.id as string;
  }
  get name(): N {
    return this.job.name;
  }
  get data(): D {
    return this.job.data;
  }
  get attemptsMade(): number {
    return this.job.attemptsMade;
  }
  get signal(): AbortSignal {
    return this.abort.signal;
  }
  get settled(): boolean {
    return this.done;
  }

  ack(result?: R): Promise<void> {
    return this.settle('ack', () => this.job.moveToCompleted(result as R, this.token, false));
  }

  nack(error?: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(error === undefined ? 'run failed' : String(error));
    return this.settle('nack', () => this.job.moveToFailed(err, this.token, false));
  }

  release(): Promise<void> {
    return this.settle('release', () => this.job.moveToWait(this.token));
  }

  /** @internal */
  releaseOnClose(): Promise<void> {
    if (this.done) return Promise.resolve();
    const released = this.release();
    this.abort.abort(new Error(`fromBullMQ: mailbox closed while job ${this.id} was held; it was released to wait`));
    return released;
  }

  /** @internal */
  lockLost(): void {
    clearInterval(this.timer);
    if (!this.abort.signal.aborted) {
      this.abort.abort(new Error(`fromBullMQ: lost the lock of job ${this.id}; it may run again elsewhere`));
    }
  }

  private async settle(how: string, move: () => Promise<unknown>): Promise<void> {
    if (this.done) throw new Error(`fromBullMQ: job ${this.id} was already settled; ${how} ignored`);
    this.done = true;
    clearInterval(this.timer);
    try {
      await move();
    } finally {
      this.mailbox.settledMessage(this);
    }
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value === 'function' ? 'a function' : `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/**
 * Wraps a handler as a task's `run` for a {@link fromBullMQ} mailbox: the job is acknowledged
 * (completed in BullMQ, with the handler's result) only after the handler succeeds; if it throws
 * or rejects, the job is nacked — left to BullMQ's own retry (`attempts`, `backoff`) — and the error
 * rethrown so the scheduler records the run as failed. The handler gets a signal that aborts when
 * either the attempt (timeout, stop) or the job's lock is lost. Use BullMQ's attempts for retries,
 * not the task's `retry`, or a failed job would be retried twice.
 *
 * @example
 * ```ts
 * scheduler.addTask({
 *   name: 'alerts',
 *   triggers: [eventTrigger(fromBullMQ('alerts', { connection }))],
 *   run: ackOnSuccess((data, signal) => sendAlert(data, signal)),
 * });
 * ```
 */
export function ackOnSuccess<D, R>(
  handler: (data: D, signal: AbortSignal, message: BullMQMessage<D, R>) => R | PromiseLike<R>,
): (args: unknown, ctx: { readonly event: BullMQMessage<D, R> | undefined; readonly signal: AbortSignal }) => Promise<R> {
  return async (_args, ctx) => {
    const message = ctx.event;
    if (message === undefined) throw new TypeError('ackOnSuccess: the run has no BullMQ message (ctx.event is undefined)');
    try {
      const result = await handler(message.data, AbortSignal.any([ctx.signal, message.signal]), message);
      await message.ack(result);
      return result;
    } catch (error) {
      if (!message.settled) await message.nack(error);
      throw error;
    }
  };
}
