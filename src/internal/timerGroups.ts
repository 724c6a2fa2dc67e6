import { nextAnchoredOccurrence } from '../cluster/anchor';
import { nextCronTime, type ParsedCron } from '../cron';
import type { Clock, TimerHandle } from './clock';

/** Something armed on a shared schedule. */
export interface TimerMemberSink {
  onTriggerFire(at: number, event: undefined, ack: undefined): void;
}

/** A per-fire delay on top of the schedule: ms, or a function giving ms. */
export type Jitter = number | (() => number) | undefined;

/** One trigger's membership of a shared schedule; `detach()` leaves it. */
export class TimerMember {
  /** @internal index in the group's member array (swap-remove); -1 once detached. */
  index = -1;
  /**
   * @internal Set when the member joined at the very instant its group was due but had not fired
   * yet: that occurrence belongs to members armed before it (first tick is one period after arming).
   */
  skipNext = false;
  /** @internal jitter and its pending per-fire timers, only for jittered triggers */
  private jitterState: { readonly jitter: Exclude<Jitter, undefined>; timers: TimerHandle[] } | null;

  constructor(
    /** @internal */ readonly group: TimerGroup,
    private readonly sink: TimerMemberSink,
    jitter: Jitter,
  ) {
    this.jitterState = jitter === undefined || jitter === 0 ? null : { jitter, timers: [] };
  }

  /** The group's next occurrence (the one after it when this member skips the current one). */
  nextFireAt(): number | undefined {
    return this.group.nextDue ?? undefined;
  }

  /** Leaves the schedule (and cancels jittered fires not yet delivered). */
  detach(): void {
    if (this.index < 0) return;
    this.group.remove(this);
    if (this.jitterState) for (const t of this.jitterState.timers) t.cancel();
  }

  /** @internal */
  deliver(at: number, clock: Clock): void {
    const state = this.jitterState;
    const delay = state === null ? 0 : jitterDelay(state.jitter);
    if (delay <= 0) {
      this.sink.onTriggerFire(at, undefined, undefined);
      return;
    }
    const timers = state!.timers;
    const timer = clock.after(delay, () => {
      timers.splice(timers.indexOf(timer), 1);
      if (this.index >= 0) this.sink.onTriggerFire(at, undefined, undefined);
    });
    timers.push(timer);
  }
}

function jitterDelay(jitter: Exclude<Jitter, undefined>): number {
  const ms = typeof jitter === 'function' ? jitter() : Math.random() * jitter;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/**
 * Every trigger on the same schedule (same interval and phase, or same cron and zone) shares one
 * group and one timer: the next occurrence is computed once per occurrence, not once per task.
 */
export abstract class TimerGroup {
  private readonly members: TimerMember[] = [];
  private timer: TimerHandle | null = null;
  /** Clock time of the next occurrence, or null when there is none. */
  protected due: number | null = null;
  /** The occurrence after `due` if `due` fires on time, computed ahead; undefined when not yet. */
  private ahead: number | null | undefined = undefined;

  constructor(
    protected readonly owner: TimerGroups,
    readonly key: string,
  ) {}

  get size(): number {
    return this.members.length;
  }

  /** The next occurrence, or null when there is none. */
  get nextDue(): number | null {
    return this.due;
  }

  add(sink: TimerMemberSink, jitter: Jitter): TimerMember {
    const member = new TimerMember(this, sink, jitter);
    member.index = this.members.length;
    this.members.push(member);
    if (this.timer === null && this.due === null) {
      this.due = this.first(this.owner.clock.now());
      this.arm();
      this.precompute();
    } else if (this.due !== null && this.due <= this.owner.clock.now()) {
      member.skipNext = true;
    }
    return member;
  }

  remove(member: TimerMember): void {
    const members = this.members;
    const last = members.pop() as TimerMember;
    if (last !== member) {
      members[member.index] = last;
      last.index = member.index;
    }
    member.index = -1;
    if (members.length === 0) {
      this.timer?.cancel();
      this.timer = null;
      this.due = null;
      this.ahead = undefined;
      this.owner.forget(this);
    }
  }

  /** First occurrence strictly after `now`. */
  protected abstract first(now: number): number | null;
  /** The occurrence after `due`, given that the clock reads `now` (skips missed ones: no burst). */
  protected abstract following(due: number, now: number): number | null;

  private arm(): void {
    if (this.due === null) return;
    this.timer = this.owner.clock.at(this.due, () => this.fire());
  }

  /**
   * Arms the next occurrence, then delivers this one to the members present at it. Arming first
   * keeps a deterministic order in virtual time: the group's next fire is queued before anything
   * its members' runs schedule for the same instant. The next occurrence was computed ahead, after
   * the previous delivery ({@link precompute}): a cron expression evaluated once a second runs cold
   * code, and computing it here delayed every member's run by a millisecond or two (the 1-second
   * cron benchmark). It is recomputed only if the clock has passed it (a late wake, a jump).
   */
  private fire(): void {
    this.timer = null;
    const due = this.due as number;
    const clock = this.owner.clock;
    const now = clock.now();
    const ahead = this.ahead;
    this.ahead = undefined;
    this.due = typeof ahead === 'number' && ahead > now ? ahead : this.following(due, now);
    this.arm();
    // Members may leave (or join) while we deliver; deliver to those present at the occurrence.
    const members = this.members.length === 1 ? [this.members[0]] : this.members.slice();
    try {
      for (const member of members) {
        if (member.index < 0) continue;
        if (member.skipNext) member.skipNext = false;
        else member.deliver(due, clock);
      }
    } finally {
      this.precompute();
    }
  }

  /** Computes the occurrence after the armed one, as if it fires on time (used by the next fire). */
  private precompute(): void {
    if (this.due !== null && this.members.length > 0) this.ahead = this.following(this.due, this.due);
  }
}

class IntervalGroup extends TimerGroup {
  constructor(
    owner: TimerGroups,
    key: string,
    private readonly interval: number,
    private readonly anchor: number | undefined,
  ) {
    super(owner, key);
  }
  protected first(now: number): number {
    return this.anchor === undefined ? now + this.interval : nextAnchoredOccurrence(now, this.interval, this.anchor);
  }
  protected following(due: number, now: number): number {
    const next = due + this.interval;
    if (next > now) return next;
    // Woke late (system sleep, blocked loop): fire once, then resume on the grid after now.
    return due + (Math.floor((now - due) / this.interval) + 1) * this.interval;
  }
}

class CronGroup extends TimerGroup {
  constructor(owner: TimerGroups, key: string, private readonly cron: ParsedCron) {
    super(owner, key);
  }
  protected first(now: number): number | null {
    return nextCronTime(this.cron, now);
  }
  protected following(due: number, now: number): number | null {
    // From the later of the two: missed occurrences are not replayed, and a clock that jumped
    // back cannot make the same occurrence come round again.
    return nextCronTime(this.cron, Math.max(due, now));
  }
}

/** The shared schedules of one scheduler (or of one standalone trigger subscription). */
export class TimerGroups {
  private readonly groups = new Map<string, TimerGroup>();

  constructor(readonly clock: Clock) {}

  /** Number of distinct schedules armed (one timer each). */
  get size(): number {
    return this.groups.size;
  }

  /**
   * Joins the interval schedule whose first occurrence is `interval` ms from now, or, with an
   * `anchor`, the grid `anchor + k × interval`.
   */
  joinInterval(interval: number, sink: TimerMemberSink, jitter: Jitter, anchor?: number): TimerMember {
    // Members armed at instants congruent modulo the interval share one grid of occurrences.
    const base = anchor ?? this.clock.now();
    const phase = ((base % interval) + interval) % interval;
    const key = `${anchor === undefined ? 'i' : 'a'}${interval}:${phase}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new IntervalGroup(this, key, interval, anchor === undefined ? undefined : phase)));
    return group.add(sink, jitter);
  }

  /** Joins the schedule of a parsed cron expression. */
  joinCron(cron: ParsedCron, sink: TimerMemberSink, jitter: Jitter): TimerMember {
    const key = `c${cron.tz ?? ''}\u0000${cron.expression}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new CronGroup(this, key, cron)));
    return group.add(sink, jitter);
  }

  /** @internal */
  forget(group: TimerGroup): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
  }
}
