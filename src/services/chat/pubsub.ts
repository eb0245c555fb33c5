/**
 * A typed, synchronous pubsub: `publish(topic, key, payload)` calls every listener of that
 * topic and key in subscription order. Synchronous delivery is what lets the stream hub take a
 * replay snapshot and start listening without any event slipping between the two.
 */
export class PubSub<Topics extends Record<string, unknown>> {
  /**
   * Copy-on-write lists: (un)subscribing makes a new array, so publishing, which happens far
   * more often, iterates without copying, and a listener that (un)subscribes while being called
   * does not change who receives the event in progress. Keyed by topic, then key: publishing
   * builds no composite key string.
   */
  #listeners = new Map<string, Map<string, ReadonlyArray<(payload: never) => void>>>();

  subscribe<T extends keyof Topics & string>(
    topic: T,
    key: string,
    listener: (payload: Topics[T]) => void,
  ): () => void {
    let byKey = this.#listeners.get(topic);
    if (!byKey) {
      byKey = new Map();
      this.#listeners.set(topic, byKey);
    }
    const keyed = byKey;
    keyed.set(key, [...(keyed.get(key) ?? []), listener]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const remaining = (keyed.get(key) ?? []).filter((l) => l !== listener);
      if (remaining.length > 0) keyed.set(key, remaining);
      else keyed.delete(key);
    };
  }

  publish<T extends keyof Topics & string>(topic: T, key: string, payload: Topics[T]): void {
    const listeners = this.#listeners.get(topic)?.get(key);
    if (!listeners) return;
    for (const listener of listeners) (listener as (payload: Topics[T]) => void)(payload);
  }
}
