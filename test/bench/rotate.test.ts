import { describe, expect, it } from 'vitest';
import { buildCases, rotateWithinGroups } from '../../bench/lib/cases';

describe('bench: the timer lane rotates each table’s cases from one repetition to the next', () => {
  const timing = buildCases(false).filter((c) => c.lane === 'timing');

  it('keeps every table in its slots and every case once', () => {
    for (let rep = 0; rep < 5; rep++) {
      const order = rotateWithinGroups(timing, rep);
      expect(order.map((c) => c.group)).toEqual(timing.map((c) => c.group));
      expect([...order].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...timing].sort((a, b) => a.id.localeCompare(b.id)));
    }
  });

  it('puts each case of a table in each of its places over as many repetitions as the table has cases', () => {
    for (const group of new Set(timing.map((c) => c.group))) {
      const size = timing.filter((c) => c.group === group).length;
      expect(size).toBeGreaterThan(1);
      const placesOf = new Map<string, Set<number>>();
      for (let rep = 0; rep < size; rep++) {
        rotateWithinGroups(timing, rep)
          .filter((c) => c.group === group)
          .forEach((c, place) => placesOf.set(c.id, (placesOf.get(c.id) ?? new Set()).add(place)));
      }
      for (const places of placesOf.values()) expect(places.size).toBe(size);
    }
  });

  it('is the given order at repetition 0', () => {
    expect(rotateWithinGroups(timing, 0)).toEqual(timing);
  });
});
