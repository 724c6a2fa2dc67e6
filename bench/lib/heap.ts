// A binary min-heap ordered by (priority, seq): lower priority number first, FIFO among equals.
// The "limit" baseline of the bench: about the least work a priority dispatcher in Node can do.
//
// The order key is one number, priority × 2^32 + seq, held in a parallel array beside the
// values, so a comparison is a single float compare with no pointer chase. That requires integer
// priorities within ±2^20 and seq < 2^32, which is all the bench uses.

const SEQ_SPAN = 2 ** 32;

export class BinaryHeap<T> {
  private keys: number[] = [];
  private values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(priority: number, seq: number, value: T): void {
    const keys = this.keys;
    const values = this.values;
    const key = priority * SEQ_SPAN + seq;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent];
      if (pk <= key) break;
      keys[i] = pk;
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  pop(): T | undefined {
    const keys = this.keys;
    const values = this.values;
    const n = keys.length;
    if (n === 0) return undefined;
    const top = values[0];
    const lastKey = keys.pop() as number;
    const lastValue = values.pop() as T;
    const size = n - 1;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && keys[r] < keys[l] ? r : l;
        const ck = keys[c];
        if (ck >= lastKey) break;
        keys[i] = ck;
        values[i] = values[c];
        i = c;
      }
      keys[i] = lastKey;
      values[i] = lastValue;
    }
    return top;
  }
}
