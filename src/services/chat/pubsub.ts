/**
 * A typed, synchronous pubsub: `publish(topic, key, payload)` calls every listener of that
 * topic and key in subscription order. Synchronous delivery is what lets the stream hub take a
 * replay snapshot and start listening without any event slipping between the two.
 */
export class PubSub<Topics extends Record<string, unknown>> {
  #listeners = new Map<string, Set<(payload: never) => void>>();

  subscribe<T extends keyof Topics & string>(
    topic: T,
    key: string,
    listener: (payload: Topics[T]) => void,
  ): () => void {
    const id = `${topic}\u0000${key}`;
    let set = this.#listeners.get(id);
    if (!set) {
      set = new Set();
      this.#listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  publish<T extends keyof Topics & string>(topic: T, key: string, payload: Topics[T]): void {
    const set = this.#listeners.get(`${topic}\u0000${key}`);
    if (!set) return;
    for (const listener of [...set]) (listener as (payload: Topics[T]) => void)(payload);
  }

  /** Number of listeners of one topic and key (for tests and metrics). */
  listenerCount<T extends keyof Topics & string>(topic: T, key: string): number {
    return this.#listeners.get(`${topic}\u0000${key}`)?.size ?? 0;
  }
}
