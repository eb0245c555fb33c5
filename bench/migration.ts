/**
 * Migration throughput: a generated legacy set (thread indexes plus newest-first list-messages
 * exports, as the API returns them) migrated into an empty data directory, in process.
 * Run alone with `npx tsx bench/migration.ts [threads] [messagesPerThread]`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../src/logger.js';
import { runMigration } from '../src/migrate/run.js';
import { assistantsSources } from '../src/migrate/sources.js';
import { round } from './lib/stats.js';

export interface MigrationBenchOptions {
  /** @default 2000 */
  threads?: number;
  /** @default 50 */
  messagesPerThread?: number;
  /** Threads are dealt round-robin to this many users. @default 4 */
  users?: number;
  /** Exports read at once. @default 8 (the CLI's default) */
  concurrency?: number;
}

export interface MigrationBenchResult {
  threads: number;
  messages: number;
  /** The migration alone, generating the legacy set excluded. */
  seconds: number;
  threadsPerSecond: number;
  messagesPerSecond: number;
  /** Peak resident set size of this process so far. */
  peakRssMiB: number;
}

const T = 1_700_000_000;
const QUESTION = 'How do tides work, and why are there two of them on most coasts each day?';
const ANSWER =
  'The Moon pulls the ocean on the near side more than the Earth, and the Earth more than the far side. '.repeat(
    3,
  );

const threadId = (index: number) => `thread_${index.toString(36).padStart(20, '0')}`;

function exportPage(thread: number, count: number) {
  const data = [];
  // Newest first, as the API lists by default.
  for (let i = count - 1; i >= 0; i--) {
    const user = i % 2 === 0;
    data.push({
      id: `msg_${thread.toString(36).padStart(12, '0')}${i.toString(36).padStart(8, '0')}`,
      object: 'thread.message',
      created_at: T + thread * 100 + i,
      thread_id: threadId(thread),
      role: user ? 'user' : 'assistant',
      content: [{ type: 'text', text: { value: user ? QUESTION : ANSWER, annotations: [] } }],
      assistant_id: user ? null : 'asst_bench',
      run_id: user ? null : `run_${thread}_${i}`,
      attachments: [],
      metadata: {},
      status: 'completed',
    });
  }
  return { object: 'list', data, first_id: data[0]?.id, last_id: data.at(-1)?.id, has_more: false };
}

async function generate(root: string, threads: number, perThread: number, users: number) {
  const legacyDir = path.join(root, 'legacy');
  const messagesDir = path.join(root, 'messages');
  await mkdir(legacyDir, { recursive: true });
  await mkdir(messagesDir, { recursive: true });
  const indexes: Array<Record<string, unknown>> = Array.from({ length: users }, () => ({}));
  for (let i = 0; i < threads; i++) {
    const id = threadId(i);
    (indexes[i % users] as Record<string, unknown>)[id] = {
      data: { id, object: 'thread', created_at: T + i * 100, metadata: {}, tool_resources: {} },
      chat_name: `Chat ${i}`,
      last_update: T + i * 100 + perThread,
    };
    await writeFile(path.join(messagesDir, `${id}.json`), JSON.stringify(exportPage(i, perThread)));
  }
  for (const [n, index] of indexes.entries()) {
    await writeFile(path.join(legacyDir, `user${n}.json`), JSON.stringify(index));
  }
  return { legacyDir, messagesDir };
}

export async function benchMigration(
  options: MigrationBenchOptions = {},
): Promise<MigrationBenchResult> {
  const { threads = 2_000, messagesPerThread = 50, users = 4, concurrency = 8 } = options;
  const root = await mkdtemp(path.join(os.tmpdir(), 'threadline-bench-migration-'));
  try {
    const { legacyDir, messagesDir } = await generate(root, threads, messagesPerThread, users);
    const dataDir = path.join(root, 'data');
    const start = performance.now();
    const sources = await assistantsSources({ legacyDir, messagesDir, concurrency });
    const report = await runMigration({
      source: 'assistants',
      mode: 'migrate',
      dataDir,
      sources,
      originals: sources.users.map((user) => user.file),
      logger: silentLogger,
    });
    const seconds = (performance.now() - start) / 1000;
    const messages = report.totals.messagesAdded;
    if (report.status !== 'complete' || messages !== threads * messagesPerThread) {
      throw new Error(`benchmark migration was not complete: ${JSON.stringify(report.failures)}`);
    }
    return {
      threads: report.totals.conversationsAdded,
      messages,
      seconds: round(seconds, 2),
      threadsPerSecond: Math.round(report.totals.conversationsAdded / seconds),
      messagesPerSecond: Math.round(messages / seconds),
      // maxRSS is in KiB.
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? 2_000);
  const messagesPerThread = Number(process.argv[3] ?? 50);
  const result = await benchMigration({ threads, messagesPerThread });
  console.log(
    `Migration of ${threads} threads x ${messagesPerThread} messages (4 users, exports on disk)`,
  );
  console.table([result]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
