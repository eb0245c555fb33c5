/**
 * Scenario 1 and 2. Relay overhead: one long stream through Threadline (sendMessage over HTTP,
 * then graphql-ws `messageStream` to a client that counts the text) against the same stream read
 * straight from the emulator with the openai SDK. Time to first delta: the same pairing with a
 * short reply, each turn's first TextDelta against the SDK's first text delta.
 * Runs alternate between the two paths so that machine noise hits both alike.
 */

import { directClient, directStream } from '../lib/direct.js';
import { connect, createConversation, epochMs, sendMessage } from '../lib/graphql.js';
import { sampleProcess } from '../lib/process-stats.js';
import { spawnEmulator, spawnServer } from '../lib/processes.js';
import { percentile, round, type Spread, spread } from '../lib/stats.js';
import { TurnWatcher } from '../lib/turns.js';

export interface RelayOptions {
  deltas: number;
  repeats: number;
  /** Pairs timed for time to first delta. */
  firstDeltaSamples: number;
  nodeArgs?: string[];
}

export interface RelayResult {
  deltas: number;
  repeats: number;
  directMs: Spread;
  threadlineMs: Spread;
  /** Threadline wall time over the SDK's, per pair. */
  ratio: Spread;
  /** Server CPU seconds per relayed stream. */
  serverCpuSeconds: Spread;
  /** TextDelta events the client got per stream (the hub coalesces same-tick deltas). */
  deltaEvents: Spread;
  firstDelta: {
    samples: number;
    directP50Ms: number;
    threadlineP50Ms: number;
    /** p50 and p90 of (Threadline - SDK) over alternating pairs. */
    addedP50Ms: number;
    addedP90Ms: number;
  };
}

const FIRST_DELTA_WORDS = 20;

export async function benchRelay(options: RelayOptions): Promise<RelayResult> {
  const emulator = await spawnEmulator();
  const server = await spawnServer(emulator.baseURL, { nodeArgs: options.nodeArgs });
  const token = server.tokens[0] as string;
  const sdk = directClient(emulator.baseURL);
  const client = await connect(server.url, token);
  try {
    await emulator.setPacing({ tokensPerSecond: 0, replyWords: options.deltas });
    // One conversation for every long turn: the subscription stays live across its turns.
    const longConversation = await createConversation(server.url, token);
    const watcher = new TurnWatcher(client, longConversation);
    const relayed = async () => {
      const cpuBefore = sampleProcess(server.pid).cpuSeconds;
      const startedAt = epochMs();
      const messageId = await sendMessage(server.url, token, longConversation);
      const record = await watcher.ended(messageId);
      if (record.error) throw new Error(`relayed stream failed: ${record.error}`);
      if (record.chars !== record.finalText?.length) throw new Error('relayed text is incomplete');
      return {
        ms: record.endedAt - startedAt,
        cpu: sampleProcess(server.pid).cpuSeconds - cpuBefore,
        events: record.deltaEvents,
      };
    };

    const direct = async () => {
      const result = await directStream(sdk);
      if (result.deltas !== options.deltas) throw new Error(`SDK got ${result.deltas} deltas`);
      return result.endedAt - result.startedAt;
    };
    // Warm-up: JIT, connection pools, first file writes.
    await direct();
    await relayed();
    const directMs: number[] = [];
    const threadlineMs: number[] = [];
    const ratios: number[] = [];
    const cpu: number[] = [];
    const events: number[] = [];
    for (let i = 0; i < options.repeats; i++) {
      let d: number;
      let t: Awaited<ReturnType<typeof relayed>>;
      if (i % 2 === 0) {
        d = await direct();
        t = await relayed();
      } else {
        t = await relayed();
        d = await direct();
      }
      directMs.push(d);
      threadlineMs.push(t.ms);
      ratios.push(t.ms / d);
      cpu.push(t.cpu);
      events.push(t.events);
    }
    watcher.close();

    const firstDelta = await benchFirstDelta(options.firstDeltaSamples);
    return {
      deltas: options.deltas,
      repeats: options.repeats,
      directMs: rounded(spread(directMs), 1),
      threadlineMs: rounded(spread(threadlineMs), 1),
      ratio: rounded(spread(ratios), 3),
      serverCpuSeconds: rounded(spread(cpu), 2),
      deltaEvents: spread(events),
      firstDelta,
    };

    async function benchFirstDelta(samples: number) {
      await emulator.setPacing({ tokensPerSecond: 0, replyWords: FIRST_DELTA_WORDS });
      const conversationId = await createConversation(server.url, token);
      const turns = new TurnWatcher(client, conversationId);
      const relayedFirst = async () => {
        const startedAt = epochMs();
        const messageId = await sendMessage(server.url, token, conversationId);
        const record = await turns.ended(messageId);
        if (record.error) throw new Error(`relayed stream failed: ${record.error}`);
        return record.firstDeltaAt - startedAt;
      };
      const directFirst = async () => {
        const result = await directStream(sdk);
        return result.firstDeltaAt - result.startedAt;
      };
      await directFirst();
      await relayedFirst();
      const d: number[] = [];
      const t: number[] = [];
      const added: number[] = [];
      for (let i = 0; i < samples; i++) {
        const pair =
          i % 2 === 0
            ? [await directFirst(), await relayedFirst()]
            : [await relayedFirst(), await directFirst()].reverse();
        const [directMs, threadlineMs] = pair as [number, number];
        d.push(directMs);
        t.push(threadlineMs);
        added.push(threadlineMs - directMs);
      }
      turns.close();
      return {
        samples,
        directP50Ms: round(percentile(d, 50), 2),
        threadlineP50Ms: round(percentile(t, 50), 2),
        addedP50Ms: round(percentile(added, 50), 2),
        addedP90Ms: round(percentile(added, 90), 2),
      };
    }
  } finally {
    await client.dispose();
    await server.stop();
    await emulator.stop();
  }
}

const rounded = (s: Spread, digits: number): Spread => ({
  median: round(s.median, digits),
  min: round(s.min, digits),
  max: round(s.max, digits),
});
