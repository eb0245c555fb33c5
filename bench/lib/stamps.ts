/**
 * Checks stamped deltas (`#<index>@<epoch ms> `, see src/emulator/stamp.ts) as a reader
 * receives them: every stamp exactly once and in order, and each one's latency from the
 * emulator's write to its receipt. Shared by the many-streams clients and the direct-SDK
 * baseline, so both count the same way.
 */
import { parseStamps } from '../../src/emulator/stamp.js';
import { percentile, round } from './stats.js';

export interface StampTotals {
  /** Stamps received once and in order. */
  delivered: number;
  duplicates: number;
  missing: number;
}

/** Latencies in a preallocated array: one per delivered delta, without a push per delta. */
export class LatencyLog {
  readonly #values: Float64Array;
  #count = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (this.#count < this.#values.length) this.#values[this.#count++] = ms;
  }

  /** The latencies logged, as a copy that can be sent to another process. */
  taken(): Float64Array {
    return this.#values.slice(0, this.#count);
  }
}

/** One stream's place: the index of the next stamp it should receive. */
export interface StampCursor {
  nextIndex: number;
}

export function checkStamps(
  cursor: StampCursor,
  text: string,
  receivedAt: number,
  totals: StampTotals,
  latencies: LatencyLog,
): void {
  for (const stamp of parseStamps(text)) {
    if (stamp.index < cursor.nextIndex) {
      totals.duplicates++;
      continue;
    }
    totals.missing += stamp.index - cursor.nextIndex;
    cursor.nextIndex = stamp.index + 1;
    totals.delivered++;
    latencies.add(receivedAt - stamp.writtenAt);
  }
}

/** p50, p99 and max of the latencies of every process, in ms to a tenth. */
export function latencySummary(parts: Float64Array[]): {
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
} {
  const all: number[] = [];
  for (const part of parts) for (const value of part) all.push(value);
  return {
    latencyP50Ms: round(percentile(all, 50), 1),
    latencyP99Ms: round(percentile(all, 99), 1),
    latencyMaxMs: round(percentile(all, 100), 1),
  };
}
