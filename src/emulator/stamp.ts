import { performance } from 'node:perf_hooks';

/**
 * Stamped deltas let a client measure end-to-end latency through any relay: delta number
 * `index` reads `#<index>@<epoch ms> `, the time it was written to the socket. Epoch time (not a
 * process-local clock) so that another process on the same machine can compare it with its own.
 */
export function stampChunk(index: number): string {
  return `#${index}@${(performance.timeOrigin + performance.now()).toFixed(3)} `;
}

export interface Stamp {
  index: number;
  /** Epoch milliseconds when the emulator wrote the delta. */
  writtenAt: number;
}

const STAMP = /#(\d+)@(\d+(?:\.\d+)?) /g;

/** Every stamp in `text`, in order; a relay may merge or split deltas, never stamps. */
export function parseStamps(text: string): Stamp[] {
  const stamps: Stamp[] = [];
  for (const match of text.matchAll(STAMP)) {
    stamps.push({ index: Number(match[1]), writtenAt: Number(match[2]) });
  }
  return stamps;
}
