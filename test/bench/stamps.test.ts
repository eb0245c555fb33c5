import { describe, expect, it } from 'vitest';
import { checkStamps, LatencyLog, type StampTotals } from '../../bench/lib/stamps.js';
import { benchDirectStreams } from '../../bench/scenarios/direct-streams.js';

const stamp = (index: number, at: number) => `#${index}@${at.toFixed(3)} `;

describe('checkStamps', () => {
  const fresh = () => ({
    cursor: { nextIndex: 0 },
    totals: { delivered: 0, duplicates: 0, missing: 0 } as StampTotals,
    log: new LatencyLog(10),
  });

  it('counts each stamp once, in order, with its latency from the write', () => {
    const { cursor, totals, log } = fresh();
    checkStamps(cursor, stamp(0, 1000), 1004.5, totals, log);
    // A relay may merge deltas: one text, two stamps.
    checkStamps(cursor, stamp(1, 1010) + stamp(2, 1020), 1030, totals, log);
    expect(totals).toEqual({ delivered: 3, duplicates: 0, missing: 0 });
    expect(cursor.nextIndex).toBe(3);
    expect([...log.taken()]).toEqual([4.5, 20, 10]);
  });

  it('counts a repeat as a duplicate and a skipped index as missing', () => {
    const { cursor, totals, log } = fresh();
    checkStamps(cursor, stamp(0, 1) + stamp(1, 2), 3, totals, log);
    checkStamps(cursor, stamp(1, 2), 3, totals, log);
    checkStamps(cursor, stamp(4, 5), 6, totals, log);
    expect(totals).toEqual({ delivered: 3, duplicates: 1, missing: 2 });
    expect(cursor.nextIndex).toBe(5);
  });

  it('keeps no more latencies than it has room for', () => {
    const log = new LatencyLog(2);
    for (const ms of [1, 2, 3]) log.add(ms);
    expect([...log.taken()]).toEqual([1, 2]);
  });
});

describe('the many-streams baseline (the SDK alone)', () => {
  it('reads every paced, stamped delta of every stream exactly once', async () => {
    const result = await benchDirectStreams({ streams: 4, tokensPerSecond: 30, seconds: 1 });
    expect(result).toMatchObject({
      streams: 4,
      expectedDeltas: 120,
      deliveredDeltas: 120,
      duplicates: 0,
      missing: 0,
      errors: [],
    });
    // Paced: 30 deltas at 30 a second take about a second, however fast the reader.
    expect(result.wallSeconds).toBeGreaterThanOrEqual(0.9);
    expect(result.latencyP50Ms).toBeGreaterThanOrEqual(0);
    expect(result.latencyP99Ms).toBeGreaterThanOrEqual(result.latencyP50Ms);
    expect(result.peakRssMiB).toBeGreaterThan(0);
  });
});
