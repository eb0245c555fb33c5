import { describe, expect, it } from 'vitest';
import { JournalWriter } from '../../src/services/store/journal-writer.js';
import { SerialQueue } from '../../src/services/store/write-queue.js';

/** A sink that holds each write until released, so batching is deterministic. */
function gatedSink() {
  const writes: string[] = [];
  const gates: Array<() => void> = [];
  let failNext: Error | null = null;
  const sink = (text: string) =>
    new Promise<void>((resolve, reject) => {
      writes.push(text);
      const error = failNext;
      failNext = null;
      gates.push(() => (error ? reject(error) : resolve()));
    });
  const releaseAll = async () => {
    while (gates.length > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { sink, writes, releaseAll, failNextWith: (error: Error) => (failNext = error) };
}

describe('JournalWriter', () => {
  it('writes appends that arrive during a write as one batch', async () => {
    const { sink, writes, releaseAll } = gatedSink();
    const writer = new JournalWriter(sink, () => {});
    const done = Array.from({ length: 100 }, (_, i) => writer.append(`${i}\n`));
    expect(writes).toEqual(['0\n']);
    await releaseAll();
    await Promise.all(done);
    expect(writes).toHaveLength(2);
    expect(writes.join('')).toBe(Array.from({ length: 100 }, (_, i) => `${i}\n`).join(''));
    expect(writer.idle).toBe(true);
  });

  it('rejects the failed batch and everything queued behind it, then carries on', async () => {
    const { sink, writes, releaseAll, failNextWith } = gatedSink();
    const failures: unknown[] = [];
    const writer = new JournalWriter(sink, (error) => failures.push(error));
    const boom = new Error('disk full');
    failNextWith(boom);
    const first = expect(writer.append('a\n')).rejects.toBe(boom);
    const second = expect(writer.append('b\n')).rejects.toBe(boom);
    await releaseAll();
    await first;
    await second;
    expect(failures).toEqual([boom]);
    const third = writer.append('c\n');
    await releaseAll();
    await third;
    expect(writes).toEqual(['a\n', 'c\n']);
  });
});

describe('SerialQueue', () => {
  it('runs tasks one at a time in order, and a failure does not stop the queue', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${name}`);
      return name;
    };
    const a = queue.run(task('a'));
    const b = queue.run(() => Promise.reject(new Error('b failed')));
    const c = queue.run(task('c'));
    expect(queue.idle).toBe(false);
    await expect(b).rejects.toThrow('b failed');
    expect(await Promise.all([a, c])).toEqual(['a', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start c', 'end c']);
    expect(queue.idle).toBe(true);
  });
});
