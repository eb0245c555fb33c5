/**
 * Storage micro-benchmark: add-message latency for one user with many conversations.
 * Run alone with `npx tsx bench/storage.ts`.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../src/logger.js';
import { JsonConversationStore } from '../src/services/conversation-store.js';
import type { StoredConversation, StoredMessage } from '../src/services/types.js';
import { percentile, round } from './lib/stats.js';

export interface StorageBenchOptions {
  conversations: number;
  messagesPerConversation: number;
  /** Sequential `addMessage` calls timed. */
  samples: number;
}

export interface StorageBenchResult {
  conversations: number;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  snapshotBytes: number;
  /** Parsing the snapshot from disk (first read after a restart). */
  loadMs: number;
}

const USER = 'bench';
/** Seeded in batches so no single journal append is huge. */
const SEED_BATCH = 500;
/** About 70 and 280 characters: a short question, a medium answer. */
const USER_TEXT = 'How do I keep a chat history durable without rewriting the whole file?';
const ASSISTANT_TEXT =
  'Append each change to a journal, fsync it, then fold it into a snapshot. '.repeat(4);

function conversation(index: number, messages: number): StoredConversation {
  const id = `conv_${index.toString(16).padStart(24, '0')}`;
  const start = 1_700_000_000 + index * 60;
  return {
    data: { id, created_at: start, metadata: {}, object: 'conversation' },
    chat_name: `Conversation ${index}`,
    last_update: start + messages,
    messages: Array.from({ length: messages }, (_, i): StoredMessage => {
      const user = i % 2 === 0;
      return {
        id: `m_${index.toString(16).padStart(12, '0')}${i.toString(16).padStart(12, '0')}`,
        role: user ? 'user' : 'assistant',
        text: user ? USER_TEXT : ASSISTANT_TEXT,
        timestamp: start + i,
        response_id: user ? null : `resp_${index}_${i}`,
        ...(user
          ? {}
          : {
              status: 'COMPLETE' as const,
              usage: {
                input_tokens: 40,
                output_tokens: 60,
                reasoning_tokens: 0,
                total_tokens: 100,
              },
              model: 'o1-mini',
            }),
      };
    }),
    last_response_id: messages > 1 ? `resp_${index}_${messages - 1}` : null,
  };
}

export async function benchStorage(options: StorageBenchOptions): Promise<StorageBenchResult> {
  const { conversations, messagesPerConversation, samples } = options;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-bench-'));
  try {
    const seeder = new JsonConversationStore({ dataDir, logger: silentLogger });
    await seeder.open();
    for (let first = 0; first < conversations; first += SEED_BATCH) {
      const count = Math.min(SEED_BATCH, conversations - first);
      await seeder.putConversations(
        USER,
        Array.from({ length: count }, (_, i) => conversation(first + i, messagesPerConversation)),
      );
    }
    await seeder.close();
    const snapshotBytes = (await fs.stat(path.join(dataDir, 'chats', `${USER}.json`))).size;

    const store = new JsonConversationStore({ dataDir, logger: silentLogger });
    await store.open();
    try {
      const loadStart = performance.now();
      await store.listConversations(USER);
      const loadMs = performance.now() - loadStart;

      const timings: number[] = [];
      for (let i = 0; i < samples; i++) {
        const id = conversation(Math.floor(Math.random() * conversations), 0).data.id;
        const start = performance.now();
        await store.addMessage(USER, id, { role: 'user', text: USER_TEXT });
        timings.push(performance.now() - start);
      }
      return {
        conversations,
        messages: conversations * messagesPerConversation,
        p50Ms: round(percentile(timings, 50), 3),
        p99Ms: round(percentile(timings, 99), 3),
        maxMs: round(Math.max(...timings), 3),
        snapshotBytes,
        loadMs: round(loadMs, 1),
      };
    } finally {
      await store.close();
    }
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = [];
  for (const conversations of [100, 1_000, 10_000]) {
    const result = await benchStorage({ conversations, messagesPerConversation: 20, samples: 500 });
    rows.push({
      conversations: result.conversations,
      messages: result.messages,
      'snapshot MiB': round(result.snapshotBytes / 1024 / 1024, 1),
      'load ms': result.loadMs,
      'add p50 ms': result.p50Ms,
      'add p99 ms': result.p99Ms,
      'add max ms': result.maxMs,
    });
  }
  console.log('addMessage latency, one user, 20 messages per conversation, 500 sequential calls');
  console.table(rows);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
