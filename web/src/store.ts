/** `previous` is the state of the last render; undefined on the first call. */
export type Listener<T> = (state: T, previous: T | undefined) => void;

export interface Store<T> {
  get(): T;
  set(patch: Partial<T>): void;
  /** Calls `listener` at once, then after every batch of changes. */
  subscribe(listener: Listener<T>): () => void;
}

/**
 * Immutable state with batched notifications: any number of `set` calls within one frame
 * (a burst of stream deltas, say) cause one render, which gets the state of the last render.
 */
export function createStore<T extends object>(initial: T): Store<T> {
  let state = initial;
  let rendered = initial;
  let scheduled = false;
  const listeners = new Set<Listener<T>>();

  const flush = () => {
    scheduled = false;
    const previous = rendered;
    rendered = state;
    for (const listener of listeners) listener(state, previous);
  };

  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      if (scheduled) return;
      scheduled = true;
      // rAF pauses in hidden tabs; the timeout keeps state and DOM in step there too.
      const frame = requestAnimationFrame(() => {
        clearTimeout(timer);
        flush();
      });
      const timer = setTimeout(() => {
        cancelAnimationFrame(frame);
        flush();
      }, 250);
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(state, undefined);
      return () => listeners.delete(listener);
    },
  };
}
