/**
 * A binary min-heap ordered by `(key, seq)`: lowest key first, and among equal keys the lowest
 * sequence number first, which makes it a stable FIFO among equals.
 *
 * Why struct-of-arrays: the scheduler keeps every waiting fire here (hundreds of thousands under a
 * flood), so entries are stored in three parallel arrays instead of one wrapper object per entry —
 * no allocation per push, and sifting moves numbers and references only.
 *
 * Invariant: for every index i > 0, entry i does not come before its parent (i - 1) >> 1.
 */
export class PriorityQueue<T> {
  private readonly keys: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `item`; `seq` must increase with insertion order for FIFO among equal keys. O(log n). */
  push(item: T, key: number, seq: number): void {
    const keys = this.keys;
    const seqs = this.seqs;
    const items = this.items;
    let i = items.length;
    keys.push(key);
    seqs.push(seq);
    items.push(item);
    // Sift up: move parents down until the new entry's parent comes before it.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p];
      if (pk < key || (pk === key && seqs[p] <= seq)) break;
      keys[i] = pk;
      seqs[i] = seqs[p];
      items[i] = items[p];
      i = p;
    }
    keys[i] = key;
    seqs[i] = seq;
    items[i] = item;
  }

  /** The first entry without removing it, or `undefined`. O(1). */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Key of the first entry (`Infinity` when empty). */
  peekKey(): number {
    return this.items.length === 0 ? Infinity : this.keys[0];
  }

  /** Removes and returns the first entry, or `undefined` when empty. O(log n). */
  pop(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0];
    const keys = this.keys;
    const seqs = this.seqs;
    const lastItem = items.pop() as T;
    const lastKey = keys.pop() as number;
    const lastSeq = seqs.pop() as number;
    const size = n - 1;
    if (size > 0) {
      // Sift the former last entry down from the root.
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        const r = c + 1;
        if (r < size && (keys[r] < keys[c] || (keys[r] === keys[c] && seqs[r] < seqs[c]))) c = r;
        const ck = keys[c];
        if (lastKey < ck || (lastKey === ck && lastSeq <= seqs[c])) break;
        keys[i] = ck;
        seqs[i] = seqs[c];
        items[i] = items[c];
        i = c;
      }
      keys[i] = lastKey;
      seqs[i] = lastSeq;
      items[i] = lastItem;
    }
    return top;
  }

  /** Removes every entry and returns them in no particular order. */
  clear(): T[] {
    const all = this.items.splice(0);
    this.keys.length = 0;
    this.seqs.length = 0;
    return all;
  }

  /** Removes and returns every entry that `predicate` selects, keeping the heap valid. O(n). */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const keep: Array<[T, number, number]> = [];
    const { items, keys, seqs } = this;
    for (let i = 0; i < items.length; i++) {
      if (predicate(items[i])) removed.push(items[i]);
      else keep.push([items[i], keys[i], seqs[i]]);
    }
    if (removed.length === 0) return removed;
    this.clear();
    for (const [item, key, seq] of keep) this.push(item, key, seq);
    return removed;
  }
}
