interface Waiter<Item> {
  item: Item;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the items added for one key within one turn of the event loop and hands them to
 * `flush` together. `flush` answers with one outcome per item (an error, or undefined for
 * done), so each caller settles on its own item; if `flush` itself fails, every item fails.
 */
export class TickBatcher<Item> {
  #pending = new Map<string, Waiter<Item>[]>();
  #scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly flush: (key: string, items: Item[]) => Promise<Array<unknown | undefined>>,
  ) {}

  add(key: string, item: Item): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiters = this.#pending.get(key);
      if (!waiters) {
        waiters = [];
        this.#pending.set(key, waiters);
      }
      waiters.push({ item, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.#flushAll());
    });
  }

  /** Hands over what is gathered now instead of at the end of the tick. */
  flushNow(): Promise<void> {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    return this.#flushAll();
  }

  async #flushAll(): Promise<void> {
    this.#scheduled = null;
    const batches = [...this.#pending];
    this.#pending.clear();
    await Promise.all(batches.map(([key, waiters]) => this.#flushOne(key, waiters)));
  }

  async #flushOne(key: string, waiters: Waiter<Item>[]): Promise<void> {
    try {
      const outcomes = await this.flush(
        key,
        waiters.map((waiter) => waiter.item),
      );
      waiters.forEach((waiter, index) => {
        const error = outcomes[index];
        if (error === undefined) waiter.resolve();
        else waiter.reject(error);
      });
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
