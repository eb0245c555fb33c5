/**
 * An upstream stream that can let the event loop run once before its next event. Events that
 * arrived in one read are parsed in one unbroken chain of promise jobs, and what waits for the
 * event loop meanwhile (the hub's publish of a delta, the WebSocket frame it leads to) waits for
 * the whole read: for a short answer, the whole answer.
 */
import { setImmediate as turnOfEventLoop } from 'node:timers/promises';

export interface Pausable<T> extends AsyncIterableIterator<T> {
  /** The next `next()` first lets everything already queued for the event loop run. */
  pauseBeforeNext(): void;
}

export function pausable<T>(events: AsyncIterable<T>): Pausable<T> {
  const source = events[Symbol.asyncIterator]();
  let pause = false;
  return {
    pauseBeforeNext() {
      pause = true;
    },
    // No extra promise per event: only a paused read waits for the event loop.
    next() {
      if (!pause) return source.next();
      pause = false;
      return turnOfEventLoop().then(() => source.next());
    },
    async return(value?: unknown) {
      return (await source.return?.(value)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
