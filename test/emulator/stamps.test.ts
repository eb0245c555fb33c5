import { afterEach, describe, expect, it } from 'vitest';
import { parseStamps } from '../../src/emulator/stamp.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { collect, deltasOf } from './collect.js';

let upstream: TestEmulator;
afterEach(() => upstream.close());

const stream = () =>
  upstream.client.responses.create({ model: 'gpt-4o', input: 'Hi', stream: true });

describe('stamped deltas', () => {
  it('are off by default: deltas are the reply words', async () => {
    upstream = await startTestEmulator({ replyWords: 5 });
    const deltas = deltasOf((await collect(await stream())).events);
    expect(parseStamps(deltas.join(''))).toEqual([]);
  });

  it('carry their index and write time, and the final text holds the same stamps', async () => {
    upstream = await startTestEmulator({ replyWords: 4 });
    upstream.emulator.setPacing({ stampDeltas: true });
    const before = Date.now();
    const { events } = await collect(await stream());
    const deltas = deltasOf(events);

    const stamps = deltas.map((delta) => {
      const parsed = parseStamps(delta);
      expect(parsed).toHaveLength(1);
      return parsed[0]!;
    });
    expect(stamps.map((stamp) => stamp.index)).toEqual([0, 1, 2, 3]);
    for (const stamp of stamps) {
      expect(stamp.writtenAt).toBeGreaterThanOrEqual(before - 1);
      expect(stamp.writtenAt).toBeLessThanOrEqual(Date.now() + 1);
    }
    const done = events.find((event) => event.type === 'response.output_text.done');
    expect(done && 'text' in done ? done.text : null).toBe(deltas.join(''));
  });

  it('rejects a non-boolean setting', async () => {
    upstream = await startTestEmulator();
    expect(() => upstream.emulator.setPacing({ stampDeltas: 'yes' as never })).toThrow(
      /stampDeltas/,
    );
  });
});
