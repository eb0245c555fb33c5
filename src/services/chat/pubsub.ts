/**
 * A typed, synchronous pubsub: `publish(topic, key, payload)` calls every listener of that
 * topic and key in subscription order. Synchronous delivery is what lets the stream hub take a
 * replay snapshot and start listening without any event slipping between the two.
 */
export class PubSub<Topics extends Record<string, unknown>> {
  /**
   * Copy-on-write lists: (un)subscribing makes a new array, so publishing, which happens far
   * more often, iterates without copying, and a listener that (un)subscribes while being called
   * does not change who receives the event in progress.
   */
  #listeners = new Map<string, ReadonlyArray<(payload: never) => void>>();

  subscribe<T extends keyof Topics & string>(
    topic: T,
    key: string,
    listener: (payload: Topics[T]) => void,
  ): () => void {
    const id = `${topic}\u0000${key}`;
    this.#listeners.set(id, [...(this.#listeners.get(id) ?? []), listener]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const remaining = (this.#listeners.get(id) ?? []).filter((l) => l !== listener);
      if (remaining.length > 0) this.#listeners.set(id, remaining);
      else this.#listeners.delete(id);
    };
  }

  publish<T extends keyof Topics & string>(topic: T, key: string, payload: Topics[T]): void {
    const listeners = this.#listeners.get(`${topic}\u0000${key}`);
    if (!listeners) return;
    for (const listener of listeners) (listener as (payload: Topics[T]) => void)(payload);
  }

  /** Number of listeners of one topic and key (for tests and metrics). */
  listenerCount<T extends keyof Topics & string>(topic: T, key: string): number {
    return this.#listeners.get(`${topic}\u0000${key}`)?.length ?? 0;
  }
}
