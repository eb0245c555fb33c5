/** Small helpers for reading untrusted JSON files. */
import { readFile } from 'node:fs/promises';
import { decodeUtf8 } from './utf8.js';

export { errorReason, isRecord, isUnixTime } from '../services/guards.js';

/**
 * Reads and parses a JSON file; the error message says what was wrong, without a stack. The
 * file must be UTF-8 (`decodeUtf8`); a byte order mark is not part of the JSON.
 */
export async function readJson(file: string): Promise<unknown> {
  const raw = decodeUtf8(await readFile(file));
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`);
  }
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
