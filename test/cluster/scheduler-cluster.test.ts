/**
 * `scope: 'cluster'` end to end: three real child processes run the same Scheduler (same name) with
 * a real RedisCoordinator on a real redis-server, their clocks skewed by +20, 0 and −20 ms. Nothing
 * is mocked. The fixture (fixtures/clusterScheduler.ts) prints one line per run and per claim.
 *
 * Times: a replica with offset `o` fires occurrence `g` (its scheduled time, on its own clock) at
 * wall-clock time `g − o`; the parent's `Date.now()` is the wall clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../support/redis';
import { startChild, type Child } from './childProcess';

const TICK = 100; // interval of the cluster task `tick`
const CRON = 1_000; // the cluster task `cron` runs on '* * * * * *'
const STEP: Record<string, number> = { tick: TICK, cron: CRON };
const CLUSTER_TASKS = ['tick', 'cron'] as const;
/** Largest clock offset given to a replica (ms). */
const SKEW = 20;
/** Occurrences this close to a replica's stop are left out of the window (a claim may be in flight). */
const END_MARGIN = 250;
const UNAVAILABLE = ['redis-unavailable', 'claim-timeout'];

let redis: TestRedis;
const children: Child[] = [];
let seq = 0;

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterEach(() => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
});

afterAll(async () => {
  await redis?.stop();
});

interface ReplicaSpec {
  readonly label: string;
  readonly offset: number;
  readonly local?: boolean;
  readonly dieInTickAfterMs?: number;
}

interface Common {
  readonly durationMs: number;
  readonly leaseMs?: number;
}

interface Replica {
  readonly label: string;
  readonly offset: number;
  readonly child: Child;
}

type Message = Record<string, unknown>;

/** Starts the replicas, waits until each is connected, then starts their schedulers together. */
async function startReplicas(specs: readonly ReplicaSpec[], common: Common): Promise<Replica[]> {
  const name = `svc${++seq}-${Date.now()}`;
  const replicas = specs.map((spec) => {
    const child = startChild('clusterScheduler.ts', [JSON.stringify({ url: redis.url, name, ...common, ...spec })]);
    children.push(child);
    return { label: spec.label, offset: spec.offset, child };
  });
  const ready = await Promise.all(replicas.map((r) => r.child.waitFor((m) => m.ready === true, 45_000)));
  expect(ready.map((m) => m.healthy)).toEqual(specs.map(() => true));
  for (const r of replicas) r.child.send('go');
  await Promise.all(replicas.map((r) => r.child.waitFor((m) => m.started === true, 10_000)));
  return replicas;
}

/**
 * Sends 'stop' to the replicas once the wall clock reaches `at`. The tests that need a minimum
 * stretch of time after some event (a kill, an outage) stop the replicas relative to that event,
 * not after a fixed duration from their start: on a loaded machine the event itself can come late.
 */
async function stopAt(replicas: readonly Replica[], at: number): Promise<void> {
  await sleep(Math.max(0, at - Date.now()));
  for (const r of replicas) r.child.send('stop');
}

/** Waits for the replica's final line and its exit (code 0: it exits by itself, nothing leaked). */
async function stopped(r: Replica, timeoutMs = 30_000): Promise<Message> {
  const last = await r.child.waitFor((m) => m.stopped === true, timeoutMs);
  const exit = await Promise.race([r.child.exited, sleep(10_000).then(() => 'still running' as const)]);
  expect(exit, `${r.label} after it stopped`).toEqual({ code: 0, signal: null });
  return last;
}

const of = (r: Replica, key: string, task: string) => r.child.messages.filter((m) => m[key] === task);
const runsOf = (r: Replica, task: string) => of(r, 'run', task).map((m) => m.firedAt as number);
const claimsOf = (r: Replica, task: string, at: number) => of(r, 'claim', task).filter((m) => m.scheduledAt === at);
const startedClock = (r: Replica) => r.child.messages.find((m) => m.started === true)!.clock as number;
const stoppedClock = (r: Replica) => r.child.messages.find((m) => m.stopped === true)!.clock as number;

/**
 * True when `r`'s clock had already passed occurrence `g` when it claimed an earlier occurrence of
 * the task: its timer woke that late (a stalled event loop on a loaded machine), and by design an
 * interval or cron trigger then fires once and resumes on the grid after now — it never fires `g`.
 */
function wokeLatePast(r: Replica, task: string, g: number): boolean {
  return of(r, 'claim', task).some((m) => (m.scheduledAt as number) < g && (m.calledAt as number) >= g);
}

/**
 * For a failure message: `r`'s claims and skips of `task` within three steps of `g` (its clock),
 * and the outage's instants — what a replica that neither claimed `g` nor woke late past it did.
 */
function around(r: Replica, task: string, g: number): string {
  const near = (t: unknown) => typeof t === 'number' && Math.abs(t - g) <= 3 * STEP[task];
  const claims = of(r, 'claim', task).filter((m) => near(m.scheduledAt) || near(m.calledAt));
  const skips = of(r, 'skipped', task).filter((m) => near(m.clock));
  const all = of(r, 'claim', task);
  const started = startedClock(r);
  const first = all.length > 0 ? all[0].scheduledAt : null;
  return `near it: ${JSON.stringify({ claims, skips, started, firstClaimed: first, claimsBefore: all.filter((m) => (m.scheduledAt as number) < g).length })}`;
}

/** The replicas (of `replicas`) whose timer fired occurrence `g`: all but those that woke late past it. */
const firedBy = (replicas: readonly Replica[], task: string, g: number) => replicas.filter((r) => !wokeLatePast(r, task, g));

/** Multiples of `step` strictly between `from` and `to`. */
function grid(step: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / step) * step + step; t < to; t += step) out.push(t);
  return out;
}

function repeated(values: readonly number[]): number[] {
  const seen = new Set<number>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

/** The occurrences every one of `replicas` had armed and was still running for. */
function window(task: string, replicas: readonly Replica[]): number[] {
  const from = Math.max(...replicas.map(startedClock));
  const to = Math.min(...replicas.map(stoppedClock)) - END_MARGIN;
  return grid(STEP[task], from, to);
}

/**
 * Per refusal reason: how many claims were refused while the scheduler was running, and how many
 * 'skipped' events it reported. (A claim that resolves once stop() has begun is dropped silently.)
 */
function refusalsAndSkips(r: Replica, task: string): { refused: Record<string, number>; skipped: Record<string, number> } {
  const tally = (ms: Message[]) => {
    const out: Record<string, number> = {};
    for (const m of ms) out[m.reason as string] = (out[m.reason as string] ?? 0) + 1;
    return out;
  };
  const stopping = r.child.messages.findIndex((m) => m.stopping === true);
  const running = stopping < 0 ? r.child.messages : r.child.messages.slice(0, stopping);
  return {
    refused: tally(running.filter((m) => m.claim === task && m.owned === false)),
    skipped: tally(running.filter((m) => m.skipped === task)),
  };
}

function expectNoUnhandled(replicas: readonly Replica[]): void {
  for (const r of replicas) expect(r.child.messages.filter((m) => 'unhandled' in m), `${r.label}: ${r.child.stderr()}`).toEqual([]);
}

describe("scope: 'cluster' on Redis, three processes with skewed clocks", () => {
  it('runs every occurrence of an interval and a cron task exactly once in total, none missed', async () => {
    const replicas = await startReplicas(
      [
        { label: 'a', offset: +SKEW },
        { label: 'b', offset: 0 },
        { label: 'c', offset: -SKEW },
      ],
      { durationMs: 5_000 },
    );
    await Promise.all(replicas.map((r) => stopped(r)));
    expectNoUnhandled(replicas);
    expect(new Set(replicas.map((r) => r.child.process.pid)).size).toBe(3);

    for (const task of CLUSTER_TASKS) {
      const all = replicas.flatMap((r) => runsOf(r, task));
      // Every run is an occurrence of the task's grid (scheduled time, not observed time), each at most once.
      expect(all.filter((t) => t % STEP[task] !== 0), task).toEqual([]);
      expect(repeated(all), `${task} ran twice`).toEqual([]);

      const expected = window(task, replicas);
      expect(expected.length, task).toBeGreaterThanOrEqual(task === 'tick' ? 35 : 3);
      // Only a replica whose timer woke late past an occurrence may have left it out (see wokeLatePast);
      // most occurrences were fired by all three.
      expect(expected.filter((g) => firedBy(replicas, task, g).length === 3).length, task).toBeGreaterThanOrEqual(expected.length / 2);
      expect(expected.filter((g) => !all.includes(g) && firedBy(replicas, task, g).length > 0), `${task} missed`).toEqual([]);

      // Each replica that fired an occurrence claimed it once: one owner, the others refused 'claimed-elsewhere'.
      for (const g of expected) {
        const fired = firedBy(replicas, task, g);
        for (const r of replicas.filter((x) => !fired.includes(x))) expect(claimsOf(r, task, g), `${r.label} ${task} @ ${g}`).toEqual([]);
        if (fired.length === 0) continue;
        const claims = fired.flatMap((r) => claimsOf(r, task, g));
        expect(claims.map((c) => c.owned === true ? 'owned' : c.reason).sort(), `${task} @ ${g}`).toEqual([
          ...fired.slice(1).map(() => 'claimed-elsewhere'),
          'owned',
        ]);
        const owner = claims.find((c) => c.owned === true)!;
        expect(runsOf(replicas.find((r) => r.label === owner.label)!, task), `${task} @ ${g} by its owner`).toContain(g);
      }
      // scheduler.events$ reported every refusal as 'skipped', with the claim's reason.
      for (const r of replicas) {
        const { refused, skipped } = refusalsAndSkips(r, task);
        expect(skipped, `${r.label} ${task}`).toEqual(refused);
      }
    }
  }, 60_000);

  it('a replica killed mid-way (SIGKILL) leaves no occurrence unrun but the one it may have claimed and not run', async () => {
    const leaseMs = 500;
    const [a, b, c] = await startReplicas(
      [
        { label: 'a', offset: +SKEW }, // fires first, so it claims most occurrences: the one to kill
        { label: 'b', offset: 0 },
        { label: 'c', offset: -SKEW },
      ],
      // Stopped by the test 2.5 s after the kill (durationMs is only a safety net).
      { durationMs: 30_000, leaseMs },
    );
    await sleep(2_500);
    a.child.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await a.child.exited).signal).toBe('SIGKILL');
    const aClockAtKill = killedAt + a.offset;
    await stopAt([b, c], killedAt + 2_500);
    await Promise.all([b, c].map((r) => stopped(r)));
    expectNoUnhandled([a, b, c]);

    const survivors = [b, c];
    for (const task of CLUSTER_TASKS) {
      const all = [a, b, c].flatMap((r) => runsOf(r, task));
      expect(repeated(all), `${task} ran twice`).toEqual([]);
      expect(runsOf(a, task).filter((g) => g > aClockAtKill), 'a ran after it was killed?').toEqual([]);

      const expected = grid(STEP[task], Math.max(...[a, b, c].map(startedClock)), Math.min(...survivors.map(stoppedClock)) - END_MARGIN);
      // (An occurrence that every survivor's timer woke late past, and a did not run, was fired by
      // a at most: see wokeLatePast.)
      const missed = expected.filter((g) => !all.includes(g) && firedBy(survivors, task, g).length > 0);
      // At most one occurrence of each task is lost: one whose time had come on a's clock before the
      // kill, that a did not run, and that the survivors were refused as 'claimed-elsewhere' — a
      // claimed it (the SET succeeded) and died before running it.
      expect(missed.length, `${task} missed ${JSON.stringify(missed)}`).toBeLessThanOrEqual(1);
      for (const g of missed) {
        expect(g).toBeLessThanOrEqual(aClockAtKill + 5);
        expect(g).toBeGreaterThan(aClockAtKill - 1_000);
        for (const r of firedBy(survivors, task, g)) expect(claimsOf(r, task, g).map((m) => m.reason), `${r.label} ${task} @ ${g}`).toEqual(['claimed-elsewhere']);
      }

      // Every occurrence after the kill is run by a survivor — at once: a lease covers only the
      // occurrence it was taken for, so nobody waits for the dead replica's leases to expire.
      const afterKill = expected.filter((g) => g > aClockAtKill);
      const afterLease = afterKill.filter((g) => g > aClockAtKill + leaseMs);
      expect(afterLease.length, task).toBeGreaterThanOrEqual(task === 'tick' ? 10 : 1);
      const bySurvivors = survivors.flatMap((r) => runsOf(r, task));
      expect(afterKill.filter((g) => !bySurvivors.includes(g) && firedBy(survivors, task, g).length > 0), `${task} not run after the kill`).toEqual([]);
    }
  }, 60_000);

  it('the occurrence a replica claimed and was killed before running is the only one lost', async () => {
    // a SIGKILLs itself inside the first `tick` run it wins after 2 s — after the claim, before any work.
    const [a, b, c] = await startReplicas(
      [
        { label: 'a', offset: +SKEW, dieInTickAfterMs: 2_000 },
        { label: 'b', offset: 0 },
        { label: 'c', offset: -SKEW },
      ],
      { durationMs: 5_000, leaseMs: 500 },
    );
    const dying = await a.child.waitFor((m) => 'dying' in m, 20_000);
    expect((await a.child.exited).signal).toBe('SIGKILL');
    const lost = dying.firedAt as number;
    await Promise.all([b, c].map((r) => stopped(r)));
    expectNoUnhandled([a, b, c]);

    for (const task of CLUSTER_TASKS) {
      const all = [a, b, c].flatMap((r) => runsOf(r, task));
      expect(repeated(all), `${task} ran twice`).toEqual([]);
      const expected = grid(STEP[task], Math.max(...[a, b, c].map(startedClock)), Math.min(stoppedClock(b), stoppedClock(c)) - END_MARGIN);
      // (Not counted: an occurrence every survivor's timer woke late past, that a did not fire either.)
      const nobodyFired = (g: number) => firedBy([b, c], task, g).length === 0 && claimsOf(a, task, g).length === 0;
      const missed = expected.filter((g) => !all.includes(g) && !nobodyFired(g));
      // Lost: exactly the occurrences a owned (its claim succeeded) and never ran.
      const ownedByA = of(a, 'claim', task).filter((m) => m.owned === true).map((m) => m.scheduledAt as number);
      const ownedNotRun = ownedByA.filter((g) => !runsOf(a, task).includes(g) && expected.includes(g));
      expect(missed, task).toEqual(ownedNotRun);
      if (task === 'tick') expect(missed).toEqual([lost]);
      for (const g of missed) {
        for (const r of firedBy([b, c], task, g)) expect(claimsOf(r, task, g).map((m) => m.reason), `${r.label} ${task} @ ${g}`).toEqual(['claimed-elsewhere']);
      }
      expect(expected.filter((g) => g > lost + STEP[task] && !all.includes(g) && !nobodyFired(g)), `${task} after the loss`).toEqual([]);
    }
  }, 60_000);

  it('Redis down for 1 s: every replica skips those occurrences with a reason, none runs twice, runs resume by themselves', async () => {
    const replicas = await startReplicas(
      [
        { label: 'a', offset: +SKEW, local: true },
        { label: 'b', offset: 0, local: true },
        { label: 'c', offset: -SKEW, local: true },
      ],
      // Stopped by the test 3.5 s after Redis is back (durationMs is only a safety net).
      { durationMs: 30_000 },
    );
    await sleep(2_000);
    // What redis.down(1_000) does, with the instants recorded: kill (like a crash), 1 s, start again.
    const killAt = Date.now(); // the server may be gone from here on; deadAt: it surely is
    await redis.kill();
    const deadAt = Date.now();
    await sleep(1_000);
    const restartAt = Date.now();
    await redis.start();
    const upAt = Date.now();
    // The processes are still alive through the outage.
    for (const r of replicas) expect(r.child.process.exitCode, r.label).toBeNull();
    // Restarting redis-server can take a while on a loaded machine: the recovery window (checked
    // below: at least 10 ticks after upAt + 2 s) is measured from upAt, not from the replicas' start.
    await stopAt(replicas, upAt + 3_500);
    const finals = await Promise.all(replicas.map((r) => stopped(r)));
    expectNoUnhandled(replicas);
    // ioredis's own back-off: a handful of reconnection errors, not a storm.
    for (const f of finals) expect(f.errorCount as number).toBeLessThan(40);

    // Occurrences due on every replica's clock while Redis was dead.
    const inOutage = (g: number) => g > deadAt + SKEW + 50 && g < restartAt - SKEW;
    const resumeBy = upAt + 2_000;
    for (const task of CLUSTER_TASKS) {
      const all = replicas.flatMap((r) => runsOf(r, task));
      expect(repeated(all), `${task} ran twice`).toEqual([]);
      const expected = window(task, replicas);
      expect(expected.filter((g) => g > resumeBy).length, `${task}: window too short to see the recovery`).toBeGreaterThanOrEqual(task === 'tick' ? 10 : 1);

      for (const g of expected) {
        const runs = all.filter((t) => t === g).length;
        // Each replica claimed the occurrence once, unless its timer woke late past it (see wokeLatePast).
        const fired = firedBy(replicas, task, g);
        for (const r of replicas) expect(claimsOf(r, task, g).length, `${r.label} claims of ${task} @ ${g}; ${around(r, task, g)}`).toBe(fired.includes(r) ? 1 : 0);
        const claims = fired.map((r) => claimsOf(r, task, g)[0]);
        const reasons = claims.map((c) => (c.owned === true ? 'owned' : (c.reason as string)));
        // Claimed (wall clock) before the kill began: the claim was answered by a live server.
        const claimedBeforeKill = fired.every((r) => (claimsOf(r, task, g)[0].calledAt as number) - r.offset < killAt - 50);
        if (fired.length === 0) {
          expect(runs, `${task} @ ${g}: fired by no replica`).toBe(0);
        } else if (claimedBeforeKill || g > resumeBy) {
          // Before the outage and once recovered: one run, the others refused 'claimed-elsewhere'.
          expect(runs, `${task} @ ${g} (deadAt ${deadAt}, upAt ${upAt})`).toBe(1);
          expect(reasons.sort(), `${task} @ ${g}`).toEqual([...fired.slice(1).map(() => 'claimed-elsewhere'), 'owned']);
        } else if (runs === 0) {
          // Not run: fail closed on every replica, each with an outage reason.
          for (const reason of reasons) expect(UNAVAILABLE, `${task} @ ${g}: ${reasons}`).toContain(reason);
        } else {
          // Run (Redis was back for at least one replica): by its owner only.
          expect(runs).toBe(1);
          expect(reasons.filter((x) => x === 'owned'), `${task} @ ${g}`).toEqual(['owned']);
        }
        if (inOutage(g)) expect(runs, `${task} @ ${g} ran during the outage`).toBe(0);
      }
      if (task === 'tick') expect(expected.filter(inOutage).length).toBeGreaterThanOrEqual(8);

      // Every refusal was reported on scheduler.events$ as 'skipped' with its reason.
      for (const r of replicas) {
        const { refused, skipped } = refusalsAndSkips(r, task);
        expect(skipped, `${r.label} ${task}`).toEqual(refused);
        const lateInOutage = expected.filter((g) => inOutage(g) && wokeLatePast(r, task, g)).length;
        if (task === 'tick') expect((refused['redis-unavailable'] ?? 0) + (refused['claim-timeout'] ?? 0) + lateInOutage, r.label).toBeGreaterThanOrEqual(8);
      }
    }

    // Local tasks are unaffected: each replica kept running its own during the outage.
    // Every occurrence of its grid (first run + k × 100 ms) in the outage ran, but those its timer
    // woke late past (a run of an earlier occurrence started at or after it; see wokeLatePast).
    for (const r of replicas) {
      const local = of(r, 'run', 'local');
      const first = local[0].firedAt as number;
      const outage = grid(TICK, deadAt + 50 + r.offset - first, restartAt - 50 + r.offset - first).map((t) => t + first);
      const during = outage.filter((g) => local.some((m) => m.firedAt === g));
      const late = outage.filter((g) => !during.includes(g) && local.some((m) => (m.firedAt as number) < g && (m.clock as number) >= g));
      expect(outage.length, r.label).toBeGreaterThanOrEqual(7);
      expect(outage.filter((g) => !during.includes(g) && !late.includes(g)), `${r.label} local occurrences not run during the outage`).toEqual([]);
      expect(during.length, `${r.label} local runs during the outage`).toBeGreaterThanOrEqual(outage.length / 2);
      expect(of(r, 'skipped', 'local'), r.label).toEqual([]);
    }
  }, 60_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
