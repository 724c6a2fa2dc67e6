/**
 * RedisCoordinator against a real redis-server (started by the test on a free loopback port;
 * `bash scripts/redis.sh` installs it). Nothing is mocked.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { startRedis, type TestRedis } from '../support/redis';
import { createRedisCoordinator, RedisCoordinator } from '../../src/cluster/redisCoordinator';
import { occurrenceKey, type ClaimResult } from '../../src/cluster/coordinator';
import { startChild } from './childProcess';

let redis: TestRedis;
let admin: Redis;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const toClose: Array<{ close(): Promise<void> }> = [];
let seq = 0;
const uniqueKey = (label: string) => occurrenceKey('rbt', 'test', `${label}-${++seq}`, Date.now());

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startRedis();
  admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: null });
  admin.on('error', () => undefined);
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(toClose.splice(0).map((c) => c.close()));
  // Give a late rejection a turn to surface before checking.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
  process.off('unhandledRejection', onUnhandled);
});

async function coordinator(options: Parameters<typeof createRedisCoordinator>[0] = {}): Promise<RedisCoordinator> {
  const c = await createRedisCoordinator({ connection: redis.url, ...options });
  toClose.push(c);
  return c;
}

function waitHealthy(c: RedisCoordinator, healthy: boolean, ms = 10_000): Promise<boolean> {
  return firstValueFrom(c.health().pipe(filter((h) => h === healthy), timeout(ms)));
}

describe('RedisCoordinator claims', () => {
  it('gives each occurrence to exactly one of 8 concurrent claimers (separate connections)', async () => {
    const claimers = await Promise.all(Array.from({ length: 8 }, (_, i) => coordinator({ owner: `node-${i}` })));
    expect(claimers.every((c) => c.isHealthy())).toBe(true);
    for (let round = 0; round < 50; round++) {
      const key = uniqueKey('race');
      const results = await Promise.all(claimers.map((c) => c.claimDetailed(key, 10_000)));
      const winners = results.flatMap((r, i) => (r.owned ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.owned).map((r) => r.reason)).toEqual(Array(7).fill('claimed-elsewhere'));
      // The key holds the winner's owner id and a lease no longer than asked.
      expect(await admin.get(key)).toBe(`node-${winners[0]}`);
      const pttl = await admin.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(10_000);
    }
  });

  it('gives each occurrence to exactly one of 3 processes claiming 300 occurrences at once', async () => {
    const tag = uniqueKey('procs');
    const children = [0, 1, 2].map(() => startChild('claimer.ts', [redis.url, tag, '300']));
    try {
      await Promise.all(children.map((c) => c.waitFor((m) => m.ready === true, 45_000)));
      for (const c of children) c.send('go');
      const answers = await Promise.all(children.map((c) => c.waitFor((m) => Array.isArray(m.owned), 30_000)));
      const owned = answers.flatMap((a) => a.owned as string[]);
      expect(owned).toHaveLength(300);
      expect(new Set(owned).size).toBe(300);
      for (const a of answers) expect((a.reasons as string[]).filter((r) => r !== 'claimed-elsewhere')).toEqual([]);
      const exits = await Promise.all(children.map((c) => c.exited));
      expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    } finally {
      for (const c of children) c.process.kill('SIGKILL');
    }
  }, 120_000);

  it('keeps the lease after the claim (not released) until it expires, then the occurrence can be claimed again', async () => {
    const [a, b] = await Promise.all([coordinator(), coordinator()]);
    const key = uniqueKey('lease');
    expect(await a.claim(key, 1_000)).toBe(true);
    expect(await b.claimDetailed(key, 1_000)).toEqual({ owned: false, reason: 'claimed-elsewhere' });
    expect(await a.claim(key, 1_000)).toBe(false); // the owner itself cannot claim twice either
    // Nothing releases it: the key is there with the rest of its lease.
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1_000);
    await sleep(pttl + 50);
    expect(await admin.exists(key)).toBe(0);
    expect(await b.claim(key, 1_000)).toBe(true);
    expect(await a.claim(key, 1_000)).toBe(false);
  });

  it('rounds a fractional lease up to whole ms and refuses invalid leases synchronously', async () => {
    const c = await coordinator();
    const key = uniqueKey('fraction');
    expect(await c.claim(key, 1_000.2)).toBe(true);
    expect(await admin.pttl(key)).toBeGreaterThan(990);
    for (const bad of [0, -5, Number.NaN, Infinity]) {
      expect(() => c.claimDetailed(key, bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', field: 'leaseMs' }));
    }
  });
});

describe('RedisCoordinator fails closed and recovers', () => {
  it('refuses claims while Redis is stopped (fast, with a reason), without a reconnect storm, then claims again when it returns', async () => {
    const c = await coordinator({ claimTimeoutMs: 500 });
    const reconnects: number[] = [];
    (c.client as unknown as Redis).on('reconnecting', () => reconnects.push(Date.now()));
    const healthSeen: boolean[] = [];
    const sub = c.health().subscribe((h) => healthSeen.push(h));
    expect(await c.claim(uniqueKey('before'), 60_000)).toBe(true);

    await redis.kill();
    await waitHealthy(c, false);
    expect(c.isHealthy()).toBe(false);
    const downSince = Date.now();
    const during: ClaimResult[] = [];
    while (Date.now() - downSince < 1_000) {
      const started = Date.now();
      during.push(await c.claimDetailed(uniqueKey('down'), 60_000));
      expect(Date.now() - started).toBeLessThan(100); // fails fast: nothing waits for a connection
      await sleep(50);
    }
    expect(during.length).toBeGreaterThan(5);
    expect(during.every((r) => !r.owned && r.reason === 'redis-unavailable')).toBe(true);
    // ioredis's own back-off (50 ms × attempt, capped): a handful of attempts in a second, not a storm.
    expect(reconnects.length).toBeGreaterThan(0);
    expect(reconnects.length).toBeLessThanOrEqual(10);

    await redis.start();
    await waitHealthy(c, true);
    expect(c.isHealthy()).toBe(true);
    expect(await c.claimDetailed(uniqueKey('after'), 60_000)).toEqual({ owned: true });
    sub.unsubscribe();
    expect(healthSeen).toEqual([true, false, true]);
    expect(c.errorCount).toBeGreaterThan(0); // connection errors were handled, not thrown
  });

  it('keeps claiming on a steady cadence through a 1 s outage: owned before, refused during, owned after', async () => {
    const c = await coordinator({ claimTimeoutMs: 200 });
    const log: Array<{ at: number; result: ClaimResult }> = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const result = await c.claimDetailed(uniqueKey('cadence'), 60_000);
        log.push({ at: Date.now(), result });
        await sleep(25);
      }
    })();
    await sleep(300);
    await redis.down(1_000);
    await waitHealthy(c, true);
    await sleep(300);
    stop = true;
    await loop;

    const outcomes = log.map((l) => (l.result.owned ? 'owned' : l.result.reason));
    // Collapse runs of equal outcomes: owned → refused → owned, and nothing else.
    const phases = outcomes.filter((o, i) => i === 0 || o !== outcomes[i - 1]);
    expect(phases[0]).toBe('owned');
    expect(phases.at(-1)).toBe('owned');
    expect(phases.filter((p) => p === 'owned')).toHaveLength(2);
    expect(new Set(phases.slice(1, -1))).toEqual(new Set(['redis-unavailable']));
    // Every claim was answered: the loop never stalled longer than the claim timeout plus slack.
    const gaps = log.slice(1).map((l, i) => l.at - log[i].at);
    expect(Math.max(...gaps)).toBeLessThan(200 + 25 + 200);
  });

  it('resolves false with reason claim-timeout when Redis does not answer in time (a hung server)', async () => {
    const c = await coordinator({ claimTimeoutMs: 200 });
    const key = uniqueKey('hung');
    await redis.pause(800);
    const started = Date.now();
    const result = await c.claimDetailed(key, 60_000);
    const took = Date.now() - started;
    expect(result).toEqual({ owned: false, reason: 'claim-timeout' });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(600);
    // Once the server answers again the late SET lands: the occurrence belongs to nobody — it is
    // skipped everywhere rather than possibly run twice (fail closed).
    await sleep(800);
    expect(await c.claimDetailed(key, 60_000)).toEqual({ owned: false, reason: 'claimed-elsewhere' });
    expect(await c.claim(uniqueKey('after-hung'), 60_000)).toBe(true);
  });

  it('can be created while Redis is down: claims fail closed, then work once it is up', async () => {
    await redis.kill();
    try {
      const started = Date.now();
      const c = await coordinator({ readyTimeoutMs: 300 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(c.isHealthy()).toBe(false);
      expect(await c.claimDetailed(uniqueKey('cold'), 1_000)).toEqual({ owned: false, reason: 'redis-unavailable' });
    } finally {
      await redis.start();
    }
    const c = toClose.at(-1) as RedisCoordinator;
    await waitHealthy(c, true);
    expect(await c.claim(uniqueKey('warm'), 1_000)).toBe(true);
  });
});

describe('createRedisCoordinator', () => {
  it('uses a given ioredis client without owning it', async () => {
    const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const c = await createRedisCoordinator({ client, prefix: 'myapp' });
      expect(c.prefix).toBe('myapp');
      const key = occurrenceKey(c.prefix, 'sched', 'task', 0) + `-${++seq}`;
      expect(await c.claim(key, 5_000)).toBe(true);
      await c.close();
      expect(client.status).toBe('ready'); // not closed by the coordinator
      expect(await c.claimDetailed(key, 5_000)).toEqual({ owned: false, reason: 'coordinator-closed' });
    } finally {
      client.disconnect();
    }
  });

  it('closes the client it created', async () => {
    const c = await createRedisCoordinator({ connection: redis.url });
    expect(c.isHealthy()).toBe(true);
    await c.close();
    await c.close();
    expect(c.isHealthy()).toBe(false);
    await sleep(20);
    expect(['end', 'close']).toContain(c.client.status);
    expect(await c.claimDetailed('rbt:x:y:0', 1_000)).toEqual({ owned: false, reason: 'coordinator-closed' });
  });

  it('accepts ioredis options instead of a URL', async () => {
    const c = await coordinator({ connection: { host: '127.0.0.1', port: redis.port } });
    expect(await c.claim(uniqueKey('options'), 1_000)).toBe(true);
  });

  it.each([
    ['claimTimeoutMs', { claimTimeoutMs: 0 }],
    ['claimTimeoutMs', { claimTimeoutMs: Number.NaN }],
    ['prefix', { prefix: '' }],
    ['owner', { owner: '' }],
    ['onError', { onError: 'log' }],
    ['readyTimeoutMs', { readyTimeoutMs: -1 }],
    ['connection', { connection: 42 }],
    ['connection', { connection: 'redis://127.0.0.1:1', client: { set() {}, on() {}, off() {}, status: 'ready', disconnect() {} } }],
    ['client', { client: { status: 'ready' } }],
  ])('rejects a bad %s', async (field, options) => {
    await expect(createRedisCoordinator(options as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', field });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
