/**
 * A load-generating client process for the many-streams scenario: it opens its share of the
 * subscriptions (several multiplexed on each WebSocket), starts every turn when told to, and
 * checks each stream as it arrives: seq without gaps or repeats, every stamped emulator delta
 * exactly once and in order, the final text equal to the deltas, and the latency of each delta
 * from the emulator's write to its receipt here. Run by `fork`; talks over IPC.
 */
import type { Client } from 'graphql-ws';
import { runChild, sendToParent } from './children.js';
import { connect, sendMessage, subscribe } from './graphql.js';
import { checkStamps, LatencyLog } from './stamps.js';

export interface ClientAssignment {
  url: string;
  /** One WebSocket per entry, one subscription per conversation on it. */
  connections: Array<{ token: string; conversationIds: string[] }>;
  expectedDeltas: number;
  /** Concurrent sendMessage calls while starting the turns. */
  sendConcurrency: number;
  timeoutMs: number;
}

export interface ClientReport {
  streams: number;
  completed: number;
  /** Stamped deltas received once and in order. */
  delivered: number;
  duplicates: number;
  missing: number;
  /** Events whose seq was not the previous seq + 1. */
  seqErrors: number;
  /** Streams whose TextDone text differs from their deltas. */
  textMismatches: number;
  errors: string[];
  /** This process's CPU from the start of the turns to the last final event. */
  cpuSeconds: number;
  /** Milliseconds from emulator write to receipt, one per delivered delta. */
  latencies: Float64Array;
}

interface StreamState {
  conversationId: string;
  token: string;
  lastSeq: number;
  nextIndex: number;
  text: string;
  done: boolean;
}

type ParentMessage = { type: 'start'; assignment: ClientAssignment } | { type: 'go' };

async function main(assignment: ClientAssignment): Promise<void> {
  const latencies = new LatencyLog(
    assignment.connections.reduce((n, c) => n + c.conversationIds.length, 0) *
      assignment.expectedDeltas,
  );
  const report: Omit<ClientReport, 'latencies' | 'cpuSeconds'> = {
    streams: 0,
    completed: 0,
    delivered: 0,
    duplicates: 0,
    missing: 0,
    seqErrors: 0,
    textMismatches: 0,
    errors: [],
  };
  const streams: StreamState[] = [];
  const clients: Client[] = [];
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });

  for (const { token, conversationIds } of assignment.connections) {
    const client = await connect(assignment.url, token);
    clients.push(client);
    for (const conversationId of conversationIds) {
      const stream: StreamState = {
        conversationId,
        token,
        lastSeq: 0,
        nextIndex: 0,
        text: '',
        done: false,
      };
      streams.push(stream);
      report.streams++;
      subscribe(
        client,
        conversationId,
        (event, receivedAt) => {
          if (event.seq !== stream.lastSeq + 1) report.seqErrors++;
          stream.lastSeq = event.seq;
          if (event.__typename === 'TextDelta') {
            const delta = event.delta ?? '';
            stream.text += delta;
            checkStamps(stream, delta, receivedAt, report, latencies);
          } else if (event.__typename === 'TextDone' || event.__typename === 'StreamError') {
            if (event.__typename === 'StreamError') {
              report.errors.push(`${conversationId}: ${event.code} ${event.message}`);
            } else if (event.text !== stream.text) {
              report.textMismatches++;
            }
            report.missing += Math.max(0, assignment.expectedDeltas - stream.nextIndex);
            stream.done = true;
            report.completed++;
            if (report.completed === report.streams) finish();
          }
        },
        (error) => report.errors.push(`${conversationId}: ${String(error)}`),
      );
    }
  }
  sendToParent({ type: 'ready' });
  await new Promise<void>((resolve) => {
    process.on('message', (message: ParentMessage) => {
      if (message.type === 'go') resolve();
    });
  });

  const cpuAtStart = process.cpuUsage();
  // Start every turn, a few at a time, as users pressing send over a short ramp.
  let next = 0;
  const starter = async () => {
    while (next < streams.length) {
      const stream = streams[next++] as StreamState;
      try {
        await sendMessage(assignment.url, stream.token, stream.conversationId);
      } catch (error) {
        report.errors.push(`${stream.conversationId}: send failed: ${String(error)}`);
        stream.done = true;
        if (++report.completed === report.streams) finish();
      }
    }
  };
  await Promise.all(Array.from({ length: assignment.sendConcurrency }, starter));
  sendToParent({ type: 'started' });
  const timer = setTimeout(finish, assignment.timeoutMs);
  await allDone;
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  for (const stream of streams) {
    if (!stream.done) report.missing += assignment.expectedDeltas - stream.nextIndex;
  }
  await Promise.all(clients.map((client) => client.dispose()));
  await new Promise<void>((resolve) =>
    sendToParent(
      {
        type: 'report',
        report: { ...report, cpuSeconds, latencies: latencies.taken() },
      },
      resolve,
    ),
  );
}

runChild('stream client', main);
