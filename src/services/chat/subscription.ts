/**
 * One subscriber's bounded queue, read as an async iterator. A consumer that falls more than
 * `maxQueued` events behind is ended with a SubscriberOverflowError instead of growing memory.
 * The events after its last seq have usually left the replay buffer by then (it keeps as many
 * per answer), so it catches up from the stored conversation and subscribes anew.
 */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
  readonly code = 'SUBSCRIBER_OVERFLOW';
  constructor(maxQueued: number) {
    super(
      `The subscriber fell more than ${maxQueued} events behind; read the conversation again and subscribe anew`,
    );
  }
}

export class Subscription<T> implements AsyncIterableIterator<T> {
  #queue: T[] = [];
  #head = 0;
  #waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null =
    null;
  #done = false;
  #error: Error | null = null;
  #onEnd: () => void;
  /** Replayed items still queued; they always come first. */
  #replayed = 0;

  constructor(
    private readonly maxQueued: number,
    onEnd: () => void,
  ) {
    this.#onEnd = onEnd;
  }

  get ended(): boolean {
    return this.#done;
  }

  /**
   * `bounded: false` is for replayed items: they are already held by the replay buffer, so
   * queueing them costs a reference each and must not count as falling behind.
   */
  push(item: T, bounded = true): void {
    if (this.#done) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (bounded && this.#queue.length - this.#head - this.#replayed >= this.maxQueued) {
      this.end(new SubscriberOverflowError(this.maxQueued));
      return;
    }
    this.#queue.push(item);
    if (!bounded) this.#replayed++;
  }

  /** Ends the stream: normally, or with an error that the next read throws. */
  end(error?: Error): void {
    if (this.#done) return;
    this.#done = true;
    if (error) {
      // Pending events are dropped: the point of an overflow is to free them.
      this.#queue = [];
      this.#head = 0;
      this.#replayed = 0;
      this.#error = error;
    }
    this.#onEnd();
    const waiter = this.#waiter;
    this.#waiter = null;
    if (!waiter) return;
    if (this.#error) waiter.reject(this.#takeError());
    else waiter.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head++] as T;
      if (this.#replayed > 0) this.#replayed--;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#error) return Promise.reject(this.#takeError());
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    this.#queue = [];
    this.#head = 0;
    this.#replayed = 0;
    this.#error = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #takeError(): Error {
    const error = this.#error as Error;
    this.#error = null;
    return error;
  }
}
