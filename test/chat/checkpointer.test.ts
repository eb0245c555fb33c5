import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointClock, Checkpointer } from '../../src/services/chat/checkpointer.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A checkpointer that records its writes as `[name, from, piece, time]`. */
function recorded(clock: CheckpointClock, name: string, writes: unknown[][]) {
  return new Checkpointer(
    clock,
    async (piece, from) => {
      writes.push([name, from, piece, Date.now()]);
    },
    (error) => {
      throw error;
    },
  );
}

describe('checkpoint clock', () => {
  it('saves every answer with unsaved text in one tick, each within one interval', async () => {
    const clock = new CheckpointClock(500);
    const writes: unknown[][] = [];
    const a = recorded(clock, 'a', writes);
    const b = recorded(clock, 'b', writes);
    const start = Date.now();
    a.update('Hel');
    await vi.advanceTimersByTimeAsync(300);
    b.update('Wor');
    a.update('Hello');
    await vi.advanceTimersByTimeAsync(200);
    // Both at the same tick, 500 ms after the first unsaved text.
    expect(writes).toEqual([
      ['a', 0, 'Hello', start + 500],
      ['b', 0, 'Wor', start + 500],
    ]);

    b.update('World');
    await vi.advanceTimersByTimeAsync(500);
    // Only what is new, from where the last piece ended; `a` had nothing new.
    expect(writes.slice(2)).toEqual([['b', 3, 'ld', start + 1000]]);
    await a.close();
    await b.close();
  });

  it('runs no timer while no answer has unsaved text, and writes nothing after close', async () => {
    const clock = new CheckpointClock(100);
    const writes: unknown[][] = [];
    const a = recorded(clock, 'a', writes);
    expect(vi.getTimerCount()).toBe(0);
    a.update('x');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(vi.getTimerCount()).toBe(0);
    a.update('xy');
    await a.close();
    expect(vi.getTimerCount()).toBe(0);
    a.update('xyz');
    await vi.advanceTimersByTimeAsync(500);
    expect(writes.map(([, from, piece]) => [from, piece])).toEqual([[0, 'x']]);
  });

  it('close waits for the write in flight', async () => {
    const clock = new CheckpointClock(100);
    let finish: () => void = () => {};
    const done: string[] = [];
    const a = new Checkpointer(
      clock,
      (piece) =>
        new Promise<void>((resolve) => {
          finish = () => {
            done.push(piece);
            resolve();
          };
        }),
      () => {},
    );
    a.update('abc');
    await vi.advanceTimersByTimeAsync(100);
    let closed = false;
    const closing = a.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    finish();
    await closing;
    expect(done).toEqual(['abc']);
  });
});
