/**
 * Soak: mixed traffic (send + subscribe over graphql-ws, resume mid-stream, SSE, list, rename,
 * stop, delete, socket churn) against the real server in a child process, sampling its heap
 * after a forced GC and its RSS. Memory must stay flat: the heap after the run (traffic stopped,
 * replay buffers expired) may not exceed the heap after warm-up by more than a bound.
 *
 *   npx tsx test/reliability/soak.ts --minutes 15 [--workers 6]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from 'graphql-ws';
import { mib, sampleProcess } from '../../bench/lib/process-stats.js';
import { startEmulator } from '../../src/emulator/index.js';
import { createUserService } from '../../src/services/users.js';
import { operation, post, Recorder, SEND, STREAM, wsClient } from './lib/gql.js';
import { rng } from './lib/random.js';
import { type ServerProcess, startServer } from './lib/server-process.js';

export interface SoakOptions {
  seconds: number;
  /** Concurrent simulated users, each with its own token and conversations. @default 6 */
  workers?: number;
  /** Heap sample taken as the baseline after this share of the run. @default 0.25 */
  warmupShare?: number;
  /** How long finished streams stay replayable in the server. @default 5_000 */
  replayTtlMs?: number;
  sampleEveryMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface MemorySample {
  atSeconds: number;
  heapMiB: number;
  rssMiB: number;
}

export interface SoakReport {
  seconds: number;
  workers: number;
  operations: Record<string, number>;
  /** Operations that answered with an error or a stream that ended unexpectedly. */
  failures: string[];
  samples: MemorySample[];
  baselineHeapMiB: number;
  finalHeapMiB: number;
  baselineRssMiB: number;
  finalRssMiB: number;
  peakRssMiB: number;
}

// On SIGUSR2 the server collects garbage and prints its heap and RSS (test-only, via --import).
const HEAP_PROBE = `data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();globalThis.gc();const m=process.memoryUsage();process.stderr.write('HEAP '+m.heapUsed+' '+m.rss+'\\n')})`;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const workers = options.workers ?? 6;
  const replayTtlMs = options.replayTtlMs ?? 5_000;
  const log = options.log ?? (() => {});
  const random = rng(options.seed ?? 7);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-soak-'));
  const emulator = await startEmulator({ port: 0, tokensPerSecond: 200, replyWords: 40 });
  const users = createUserService({ dataDir });
  const tokens = await Promise.all(
    Array.from({ length: workers }, (_, i) => users.add(`soak${i}`)),
  );
  const server = await startServer({
    dataDir,
    upstreamURL: emulator.baseURL,
    env: { LOG_LEVEL: 'warn', REPLAY_TTL_MS: String(replayTtlMs), CHECKPOINT_MS: '100' },
    nodeFlags: ['--expose-gc', '--import', HEAP_PROBE],
  });
  const operations: Record<string, number> = {};
  const failures: string[] = [];
  const count = (name: string) => {
    operations[name] = (operations[name] ?? 0) + 1;
  };
  const fail = (what: string) => {
    if (failures.length < 50) failures.push(what);
    log(`FAILURE ${what}`);
  };
  const samples: MemorySample[] = [];
  const started = Date.now();
  const deadline = started + options.seconds * 1000;

  try {
    const sampler = (async () => {
      while (Date.now() < deadline) {
        await sleep(options.sampleEveryMs ?? Math.max(2_000, (options.seconds * 1000) / 60));
        if (Date.now() >= deadline) break;
        const sample = await heap(server, started);
        samples.push(sample);
        log(`${sample.atSeconds}s heap ${sample.heapMiB} MiB rss ${sample.rssMiB} MiB`);
      }
    })();
    await Promise.all([
      ...tokens.map((token) => worker(token, deadline, random, count, fail, server.url)),
      sampler,
    ]);
    // Traffic has stopped; let finished streams leave the replay buffers, then measure.
    await sleep(replayTtlMs + 1_500);
    const final = await heap(server, started);
    samples.push(final);
    const warm = samples.find(
      (s) => s.atSeconds >= options.seconds * (options.warmupShare ?? 0.25),
    );
    const baseline = warm ?? (samples[0] as MemorySample);
    const peak = sampleProcess(server.pid).peakRssBytes;
    return {
      seconds: Math.round((Date.now() - started) / 1000),
      workers,
      operations,
      failures,
      samples,
      baselineHeapMiB: baseline.heapMiB,
      finalHeapMiB: final.heapMiB,
      baselineRssMiB: baseline.rssMiB,
      finalRssMiB: final.rssMiB,
      peakRssMiB: mib(peak),
    };
  } finally {
    await server.stop();
    await emulator.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function heap(server: ServerProcess, started: number): Promise<MemorySample> {
  const before = server.output().length;
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const match = /HEAP (\d+) (\d+)/.exec(server.output().slice(before));
    if (match) {
      return {
        atSeconds: Math.round((Date.now() - started) / 1000),
        heapMiB: mib(Number(match[1])),
        rssMiB: mib(Number(match[2])),
      };
    }
    await sleep(50);
  }
  throw new Error('the server did not report its heap');
}

/** One simulated user: a loop of random operations on its own conversations. */
async function worker(
  token: string,
  deadline: number,
  random: ReturnType<typeof rng>,
  count: (name: string) => void,
  fail: (what: string) => void,
  url: string,
) {
  const conversations: string[] = [];
  const turns = new Map<string, number>();
  let client: Client = wsClient(url, token);
  const check = (name: string, result: { errors?: unknown }) => {
    count(name);
    if (result.errors) fail(`${name}: ${JSON.stringify(result.errors).slice(0, 200)}`);
  };
  try {
    while (Date.now() < deadline) {
      const roll = random.next();
      // A conversation of 10 turns is deleted and a new one started, so stored data is bounded.
      const full = conversations.find((id) => (turns.get(id) ?? 0) >= 10);
      if (full) {
        conversations.splice(conversations.indexOf(full), 1);
        turns.delete(full);
        const deleted = await operation(
          client,
          'mutation ($id: ID!) { deleteConversation(id: $id) }',
          { id: full },
        );
        check('delete', deleted);
        continue;
      }
      const conversationId =
        conversations.length > 0 && (conversations.length >= 3 || roll > 0.1)
          ? random.pick(conversations)
          : null;
      if (conversationId) turns.set(conversationId, (turns.get(conversationId) ?? 0) + 1);
      if (roll < 0.45 || !conversationId) {
        const recorder = conversationId ? new Recorder(client, conversationId) : null;
        const sent = await operation(client, SEND, {
          input: { conversationId, text: `soak ${random.int(0, 1e6)}` },
        });
        check('send', sent);
        const payload = sent.data?.sendMessage;
        if (!payload) continue;
        if (!conversationId) conversations.push(payload.conversation.id);
        const live = recorder ?? new Recorder(client, payload.conversation.id);
        const final = await live.final(payload.assistantMessage.id).catch(() => null);
        live.close();
        if (final?.__typename !== 'TextDone') fail(`turn ended with ${JSON.stringify(final)}`);
      } else if (roll < 0.55) {
        // Resume: leave mid-stream, come back with the last seq, expect the rest exactly.
        const sent = await operation(client, SEND, { input: { conversationId, text: 'resume' } });
        check('resume', sent);
        const messageId = sent.data?.sendMessage.assistantMessage.id;
        if (!messageId) continue;
        const first = new Recorder(client, conversationId);
        await sleep(random.int(20, 120));
        first.close();
        const seen = first.events.filter((e) => e.messageId === messageId);
        const last = seen.at(-1)?.seq ?? 0;
        const second = client.iterate({
          query: STREAM,
          variables: { conversationId, after: last, messageId },
        });
        for await (const result of second) {
          const event = (result as { data?: { messageStream?: { __typename: string } } }).data
            ?.messageStream;
          if (!event || event.__typename === 'TextDone' || event.__typename === 'StreamError') {
            if (event?.__typename !== 'TextDone')
              fail(`resume ended with ${JSON.stringify(result)}`);
            break;
          }
        }
      } else if (roll < 0.62) {
        const sent = await operation(client, SEND, { input: { conversationId, text: 'stop me' } });
        check('stop.send', sent);
        await sleep(random.int(0, 150));
        check(
          'stop',
          await operation(
            client,
            'mutation ($id: ID!) { stopResponse(conversationId: $id) { status } }',
            {
              id: conversationId,
            },
          ),
        );
      } else if (roll < 0.72) {
        check(
          'list',
          await post(url, token, '{ conversations(first: 20) { edges { node { id } } } }'),
        );
      } else if (roll < 0.8) {
        check(
          'rename',
          await operation(
            client,
            'mutation ($id: ID!, $n: String!) { renameConversation(id: $id, chatName: $n) { id } }',
            { id: conversationId, n: `name ${random.int(0, 1e6)}` },
          ),
        );
      } else if (roll < 0.86) {
        const result = await post(
          url,
          token,
          'query ($id: ID!) { conversation(id: $id) { messages { id text status } } }',
          { id: conversationId },
        );
        check('read', result);
      } else if (roll < 0.92) {
        check('me', await post(url, token, '{ me { name } serverInfo { model } }'));
      } else {
        // Socket churn: a new connection, as a reloaded page would make.
        count('reconnect');
        await client.dispose();
        client = wsClient(url, token);
      }
    }
  } catch (error) {
    fail(`worker crashed: ${(error as Error).message}`);
  } finally {
    await client.dispose();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '15' },
      workers: { type: 'string' },
      'replay-ttl-ms': { type: 'string' },
    },
  });
  const seconds = Math.round(Number(values.minutes) * 60);
  const report = await runSoak({
    seconds,
    workers: values.workers ? Number(values.workers) : undefined,
    replayTtlMs: values['replay-ttl-ms'] ? Number(values['replay-ttl-ms']) : undefined,
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(report, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
