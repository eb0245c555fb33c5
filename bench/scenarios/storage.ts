/** Scenario 4. Storage growth: `benchStorage` (bench/storage.ts) at each history size. */
import { benchStorage, type StorageBenchResult } from '../storage.js';

export async function benchStorageGrowth(
  sizes: number[],
  samples: number,
): Promise<StorageBenchResult[]> {
  const results: StorageBenchResult[] = [];
  for (const conversations of sizes) {
    results.push(await benchStorage({ conversations, messagesPerConversation: 20, samples }));
  }
  return results;
}
