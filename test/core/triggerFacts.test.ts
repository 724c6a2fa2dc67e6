import { describe, expect, it } from 'vitest';
import { triggerFacts } from '../../src/task';
import type { Trigger } from '../../src/types';
import { eventTrigger, oneTimeTrigger, periodicTrigger } from '../../src/index';
import { Subject } from 'rxjs';

const custom = (kind: unknown, extra: Partial<Trigger<unknown>> = {}): Trigger<unknown> =>
  ({ kind, fires: () => new Subject(), ...extra }) as unknown as Trigger<unknown>;

describe('triggerFacts (what a fire needs of its trigger, read once at registration)', () => {
  it('reads kind, one-time and the cluster claim from the trigger and the task scope', () => {
    expect(triggerFacts(periodicTrigger({ interval: 1000 }), 'local')).toEqual({ kind: 'periodic', once: false, claim: false });
    expect(triggerFacts(periodicTrigger({ interval: 1000 }), 'cluster')).toEqual({ kind: 'periodic', once: false, claim: true });
    expect(triggerFacts(oneTimeTrigger({ at: new Date(5_000) }), 'cluster')).toMatchObject({ kind: 'one-time', once: true, claim: true });
    // An event trigger is not time-based: never claimed, whatever the scope.
    expect(triggerFacts(eventTrigger(new Subject()), 'cluster')).toEqual({ kind: 'event', once: false, claim: false });
    expect(triggerFacts(custom('mine', { timeBased: false }), 'cluster').claim).toBe(false);
    expect(triggerFacts(custom('mine'), 'cluster').claim).toBe(true);
  });

  it('shares one frozen object between equal facts, and keeps different kinds apart', () => {
    const a = triggerFacts(custom('alpha'), 'local');
    expect(triggerFacts(custom('alpha'), 'local')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(triggerFacts(custom('beta'), 'local').kind).toBe('beta');
    expect(triggerFacts(custom('alpha', { once: true }), 'local')).not.toBe(a);
  });

  it('passes a custom kind through as given (a string "undefined" and a missing kind stay apart)', () => {
    expect(triggerFacts(custom('undefined'), 'local').kind).toBe('undefined');
    expect(triggerFacts(custom(undefined), 'local').kind).toBeUndefined();
    expect(triggerFacts(custom(7), 'local').kind).toBe(7);
  });
});
