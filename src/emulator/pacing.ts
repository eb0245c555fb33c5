import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * When each text delta of one stream is due. Times derive from the start, so a slow tick
 * catches up instead of drifting; at 0 tokens per second everything is due at once.
 */
export class Schedule {
  private readonly interval: number;
  private start = performance.now();

  constructor(tokensPerSecond: number) {
    this.interval = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  }

  get paced(): boolean {
    return this.interval > 0;
  }

  /** How many deltas may have been sent by now (the first is due at once). */
  allowed(): number {
    if (!this.paced) return Number.POSITIVE_INFINITY;
    return Math.floor((performance.now() - this.start) / this.interval) + 1;
  }

  /** Milliseconds until delta number `index` (0-based) is due. */
  wait(index: number): number {
    return Math.max(0, this.start + index * this.interval - performance.now());
  }

  /** Moves every later delta back by `ms` (after a stall). */
  shift(ms: number): void {
    this.start += ms;
  }
}

/** Waits longer than this listen for the abort; shorter ones just run out. */
const ABORTABLE_MS = 100;

/**
 * Waits until the next paced delta is due. At many streams this runs thousands of times a
 * second, and a short timer is far cheaper than one that also listens to the abort signal; the
 * caller checks the signal when it wakes, at most `ABORTABLE_MS` late.
 */
export function waitForDelta(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > ABORTABLE_MS) return sleep(ms, signal);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps `ms`, waking early (without throwing) when `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks the signal.
  }
}

/** Waits for `promise`, or less when `signal` aborts (without throwing). */
export function untilSettled(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    promise.then(done);
  });
}
