/**
 * Crash test: drives chat turns over graphql-ws against the real server (a child process on a
 * temp data dir, talking to a paced emulator), kills it with SIGKILL at random moments, restarts
 * it on the same data dir and checks after every restart:
 *  - every user message and conversation whose mutation returned is stored, with its text;
 *  - every rename whose mutation returned (or one still in flight) is the stored name;
 *  - every snapshot/journal file parses and nothing was quarantined;
 *  - no message is left STREAMING; an interrupted answer is INCOMPLETE with partial text that
 *    the client's deltas start with, at most one checkpoint interval (plus the write) behind;
 *  - the next turn in each interrupted conversation completes.
 *
 *   npx tsx test/reliability/crash-run.ts --kills 200 [--seed N] [--checkpoint-ms 100]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from 'graphql-ws';
import { startEmulator } from '../../src/emulator/index.js';
import { checkDataFiles } from './lib/data-files.js';
import { CONVERSATION, type Loose, operation, Recorder, SEND, wsClient } from './lib/gql.js';
import { rng } from './lib/random.js';
import { type ServerProcess, startServer } from './lib/server-process.js';

export interface CrashRunOptions {
  kills: number;
  seed?: number;
  /** The server's CHECKPOINT_MS. @default 100 */
  checkpointMs?: number;
  /** Emulator pacing while a kill may come. @default 50 */
  tokensPerSecond?: number;
  /** @default 40 */
  replyWords?: number;
  /** Turns running at once in each round. @default 3 */
  turnsPerRound?: number;
  /** Time a checkpoint write itself may take (fsync on a busy disk). @default 150 */
  writeSlackMs?: number;
  log?: (line: string) => void;
}

export interface CrashRunReport {
  seed: number;
  kills: number;
  /** User messages acknowledged over the run; all were found after every restart. */
  acknowledgedMessages: number;
  /** Answers found INCOMPLETE after a restart. */
  interruptedAnswers: number;
  completedBeforeKill: number;
  /** sendMessage or renameConversation calls in flight at a kill. */
  mutationsInFlightAtKill: number;
  /** Journals that ended in a torn (cut short) line after a kill. */
  tornJournals: number;
  nextTurns: number;
  /** Largest gap between what a client had received and the stored partial text. */
  maxLagDeltas: number;
  allowedLagDeltas: number;
  violations: string[];
  seconds: number;
}

interface Tracked {
  id: string;
  userMessages: Map<string, string>;
  /** Acceptable chat names: the last acknowledged one, or one in flight at a kill. */
  names: Set<string>;
}

interface Answer {
  conversationId: string;
  messageId: string;
  recorder: Recorder;
}

export async function runCrashTest(options: CrashRunOptions): Promise<CrashRunReport> {
  const seed = options.seed ?? Date.now() % 1_000_000;
  const random = rng(seed);
  const checkpointMs = options.checkpointMs ?? 100;
  const tps = options.tokensPerSecond ?? 50;
  const replyWords = options.replyWords ?? 40;
  const turnsPerRound = options.turnsPerRound ?? 3;
  const allowedLagDeltas = Math.ceil(
    ((checkpointMs + (options.writeSlackMs ?? 150)) * tps) / 1000 + 1,
  );
  const log = options.log ?? (() => {});
  const started = Date.now();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-crash-'));
  const emulator = await startEmulator({ port: 0, tokensPerSecond: tps, replyWords });
  const report: CrashRunReport = {
    seed,
    kills: 0,
    acknowledgedMessages: 0,
    interruptedAnswers: 0,
    completedBeforeKill: 0,
    mutationsInFlightAtKill: 0,
    tornJournals: 0,
    nextTurns: 0,
    maxLagDeltas: 0,
    allowedLagDeltas,
    violations: [],
    seconds: 0,
  };
  const violation = (round: number, text: string) => {
    report.violations.push(`round ${round}: ${text}`);
    log(`VIOLATION round ${round}: ${text}`);
  };
  const conversations = new Map<string, Tracked>();
  let pending: Answer[] = [];
  let token = '';

  try {
    for (let round = 0; round <= options.kills; round++) {
      const server = await startServer({
        dataDir,
        upstreamURL: emulator.baseURL,
        env: { CHECKPOINT_MS: String(checkpointMs), LOG_LEVEL: 'warn' },
      });
      token ||= /\?token=(\S+)/.exec(server.output())?.[1] ?? '';
      const client = wsClient(server.url, token);
      try {
        await verify(client, round);
        if (round === options.kills) {
          if ((await server.stop()) !== 0) violation(round, 'graceful stop failed');
          const after = await checkDataFiles(dataDir);
          for (const problem of after.problems) violation(round, `after stop: ${problem}`);
          break;
        }
        await nextTurns(client, round);
        await crashRound(client, server, round);
      } finally {
        await server.kill();
        await client.dispose();
      }
      const files = await checkDataFiles(dataDir);
      report.tornJournals += files.tornJournals;
      for (const problem of files.problems) violation(round, problem);
      if ((round + 1) % 10 === 0) log(`${round + 1} kills, ${report.violations.length} violations`);
    }
  } finally {
    await emulator.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  return report;

  async function verify(client: Client, round: number) {
    const answers = new Map(pending.map((answer) => [answer.messageId, answer]));
    for (const tracked of conversations.values()) {
      const result = await operation(client, CONVERSATION, { id: tracked.id });
      const stored = result.data?.conversation as Loose | null | undefined;
      if (!stored) {
        violation(round, `conversation ${tracked.id} is missing (${JSON.stringify(result)})`);
        continue;
      }
      if (!tracked.names.has(stored.chatName)) {
        violation(round, `conversation ${tracked.id} is named "${stored.chatName}"`);
      }
      tracked.names = new Set([stored.chatName]);
      const messages = new Map<string, Loose>(stored.messages.map((m: Loose) => [m.id, m]));
      for (const [id, text] of tracked.userMessages) {
        if (messages.get(id)?.text !== text) violation(round, `user message ${id} lost`);
      }
      for (const message of messages.values()) {
        if (message.status === 'STREAMING') violation(round, `${message.id} left STREAMING`);
      }
      for (const answer of pending.filter((a) => a.conversationId === tracked.id)) {
        checkAnswer(round, answer, messages.get(answer.messageId));
        answers.delete(answer.messageId);
      }
    }
    for (const answer of answers.values()) violation(round, `answer ${answer.messageId} untracked`);
  }

  function checkAnswer(round: number, answer: Answer, message: Loose | undefined) {
    answer.recorder.close();
    if (!message) return violation(round, `answer ${answer.messageId} is missing`);
    const received = answer.recorder.received(answer.messageId);
    const text = message.text as string;
    if (message.status === 'COMPLETE') {
      report.completedBeforeKill++;
      if (!text.startsWith(received.text)) violation(round, `answer ${message.id} text differs`);
      return;
    }
    if (message.status !== 'INCOMPLETE') {
      return violation(round, `answer ${message.id} is ${message.status}, not INCOMPLETE`);
    }
    report.interruptedAnswers++;
    // The server may have stored deltas the client had not received yet, or the reverse.
    if (text.startsWith(received.text)) return;
    if (!received.text.startsWith(text)) {
      return violation(round, `answer ${message.id}: stored text is not what was streamed`);
    }
    const lag = deltasBeyond(answer.recorder, answer.messageId, text.length);
    report.maxLagDeltas = Math.max(report.maxLagDeltas, lag);
    if (lag > allowedLagDeltas) {
      violation(
        round,
        `answer ${message.id} is ${lag} deltas behind (allowed ${allowedLagDeltas})`,
      );
    }
  }

  /** A full turn in every conversation whose answer was interrupted, and in one more. */
  async function nextTurns(client: Client, round: number) {
    emulator.setPacing({ tokensPerSecond: 0, replyWords: 8 });
    const ids = new Set(pending.map((answer) => answer.conversationId));
    const any = [...conversations.keys()];
    if (any.length > 0) ids.add(random.pick(any));
    pending = [];
    await Promise.all(
      [...ids].map(async (conversationId) => {
        const recorder = new Recorder(client, conversationId);
        try {
          const text = `next turn ${round}`;
          const sent = await operation(client, SEND, { input: { conversationId, text } });
          const payload = sent.data?.sendMessage;
          if (!payload) return violation(round, `next turn refused: ${JSON.stringify(sent)}`);
          conversations.get(conversationId)?.userMessages.set(payload.userMessage.id, text);
          report.acknowledgedMessages++;
          const final = await recorder.final(payload.assistantMessage.id);
          if (final.__typename !== 'TextDone') {
            violation(round, `next turn ended with ${JSON.stringify(final)}`);
          }
          report.nextTurns++;
        } finally {
          recorder.close();
        }
      }),
    );
  }

  /** Starts turns (and a rename) at staggered times and kills the server in the middle. */
  async function crashRound(client: Client, server: ServerProcess, round: number) {
    emulator.setPacing({ tokensPerSecond: tps, replyWords });
    const streamMs = (replyWords / tps) * 1000;
    const killAt = random.int(20, Math.round(streamMs * 1.1) + 200);
    const existing = [...conversations.keys()];
    const work: Promise<void>[] = [];
    let inFlight = 0;
    const chosen = new Set<string>();
    for (let i = 0; i < turnsPerRound; i++) {
      const reuse = existing.filter((id) => !chosen.has(id));
      const conversationId = reuse.length > 0 && random.chance(0.75) ? random.pick(reuse) : null;
      if (conversationId) chosen.add(conversationId);
      const text = `round ${round} turn ${i} ${'x'.repeat(random.int(0, 6_000))}`;
      const delay = random.int(0, 300);
      work.push(
        (async () => {
          await sleep(delay);
          inFlight++;
          const recorder = conversationId ? new Recorder(client, conversationId) : null;
          const sent = await operation(client, SEND, {
            input: { conversationId, text, chatName: conversationId ? null : `chat ${round}-${i}` },
          }).catch(() => null);
          inFlight--;
          const payload = sent?.data?.sendMessage;
          if (!payload) return recorder?.close();
          const id = payload.conversation.id as string;
          if (!conversations.has(id)) {
            conversations.set(id, {
              id,
              userMessages: new Map(),
              names: new Set([`chat ${round}-${i}`]),
            });
          }
          conversations.get(id)?.userMessages.set(payload.userMessage.id, text);
          report.acknowledgedMessages++;
          const messageId = payload.assistantMessage.id as string;
          pending.push({
            conversationId: id,
            messageId,
            recorder: recorder ?? new Recorder(client, id),
          });
        })(),
      );
    }
    if (existing.length > 0 && random.chance(0.5)) {
      const tracked = conversations.get(random.pick(existing)) as Tracked;
      const name = `renamed ${round}`;
      work.push(
        (async () => {
          await sleep(random.int(0, 300));
          inFlight++;
          tracked.names.add(name);
          const result = await operation(
            client,
            'mutation ($id: ID!, $name: String!) { renameConversation(id: $id, chatName: $name) { chatName } }',
            { id: tracked.id, name },
          ).catch(() => null);
          inFlight--;
          if (result?.data?.renameConversation) tracked.names = new Set([name]);
        })(),
      );
    }
    await sleep(killAt);
    report.mutationsInFlightAtKill += inFlight;
    await server.kill();
    report.kills++;
    await Promise.all(work);
  }
}

/** How many of a message's received deltas lie beyond the first `chars` characters. */
function deltasBeyond(recorder: Recorder, messageId: string, chars: number): number {
  let length = 0;
  let beyond = 0;
  for (const event of recorder.events) {
    if (event.messageId !== messageId || event.__typename !== 'TextDelta') continue;
    length += event.delta?.length ?? 0;
    if (length > chars) beyond++;
  }
  return beyond;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const { values } = parseArgs({
    options: {
      kills: { type: 'string', default: '200' },
      seed: { type: 'string' },
      'checkpoint-ms': { type: 'string' },
      tps: { type: 'string' },
    },
  });
  const report = await runCrashTest({
    kills: Number(values.kills),
    seed: values.seed === undefined ? undefined : Number(values.seed),
    checkpointMs: values['checkpoint-ms'] ? Number(values['checkpoint-ms']) : undefined,
    tokensPerSecond: values.tps ? Number(values.tps) : undefined,
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.violations.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
