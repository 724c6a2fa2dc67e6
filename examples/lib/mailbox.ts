/**
 * A tiny in-memory mailbox: producers `push()` messages, one consumer pulls them with `for await`
 * (or, here, the scheduler's `eventTrigger` pulls them). It is the kind of AsyncIterable a message
 * transport exposes. Nothing is read ahead: a message leaves the mailbox only when `next()` is
 * called, so `size` shows how much back-pressure the consumer applies.
 */
export class Mailbox<T> implements AsyncIterable<T> {
  private readonly messages: T[] = [];
  private readonly readers: Array<(result: IteratorResult<T>) => void> = [];
  private closed = false;

  /** Messages delivered and not yet taken by the consumer. */
  get size(): number {
    return this.messages.length;
  }

  push(message: T): void {
    if (this.closed) throw new Error('mailbox is closed');
    const reader = this.readers.shift();
    if (reader) reader({ value: message, done: false });
    else this.messages.push(message);
  }

  /** No more messages: the consumer finishes once it has taken the ones left. */
  close(): void {
    this.closed = true;
    for (const reader of this.readers.splice(0)) reader({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.messages.length > 0) return Promise.resolve({ value: this.messages.shift() as T, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.readers.push(resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
