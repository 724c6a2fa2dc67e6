/**
 * A growable ring buffer: O(1) push and shift without `Array#shift`'s O(n) copy, which is what
 * makes RxJS's `mergeMap` buffer collapse past a few thousand waiting items.
 */
export class Fifo<T> {
  private buf: Array<T | undefined> = new Array(4);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined; // release the reference for GC
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  /** Removes every item and returns them oldest first. */
  clear(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift() as T);
    this.buf = new Array(4);
    this.head = 0;
    return out;
  }

  private grow(): void {
    // Capacity stays a power of two so indices wrap with a mask.
    const next: Array<T | undefined> = new Array(this.buf.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
