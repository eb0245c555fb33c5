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
    a.append('Hel');
    await vi.advanceTimersByTimeAsync(300);
    b.append('Wor');
    a.append('lo');
    await vi.advanceTimersByTimeAsync(200);
    // Both at the same tick, 500 ms after the first unsaved text.
    expect(writes).toEqual([
      ['a', 0, 'Hello', start + 500],
      ['b', 0, 'Wor', start + 500],
    ]);

    b.append('ld');
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
    a.append('x');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(vi.getTimerCount()).toBe(0);
    a.append('y');
    await a.close();
    expect(vi.getTimerCount()).toBe(0);
    a.append('z');
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
    a.append('abc');
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

  it('writes again what a failed write held, with what came after it', async () => {
    const clock = new CheckpointClock(100);
    const writes: Array<[number, string]> = [];
    const errors: unknown[] = [];
    let fail = true;
    const a = new Checkpointer(
      clock,
      async (piece, from) => {
        if (fail) throw new Error('disk full');
        writes.push([from, piece]);
      },
      (error) => errors.push(error),
    );
    a.append('He');
    a.append('l');
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    fail = false;
    a.append('lo');
    await vi.advanceTimersByTimeAsync(100);
    a.append('!');
    await vi.advanceTimersByTimeAsync(100);
    expect(writes).toEqual([
      [0, 'Hello'],
      [5, '!'],
    ]);
    await a.close();
  });

  it('a tick during a slow write writes the text that came since, once, after it', async () => {
    const clock = new CheckpointClock(100);
    const writes: Array<[number, string]> = [];
    let release: () => void = () => {};
    let slow = true;
    const a = new Checkpointer(
      clock,
      (piece, from) => {
        writes.push([from, piece]);
        if (!slow) return Promise.resolve();
        slow = false;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      (error) => {
        throw error;
      },
    );
    a.append('ab');
    await vi.advanceTimersByTimeAsync(100);
    a.append('c');
    await vi.advanceTimersByTimeAsync(100);
    a.append('d');
    await vi.advanceTimersByTimeAsync(100);
    // Two ticks queued behind the slow write: the first takes all that came, the second none.
    expect(writes).toEqual([[0, 'ab']]);
    release();
    await a.close();
    expect(writes).toEqual([
      [0, 'ab'],
      [2, 'cd'],
    ]);
  });
});
