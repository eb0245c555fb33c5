/**
 * The many-streams baseline's reader: opens `streams` paced, stamped streams straight from the
 * emulator with the openai SDK, through Threadline's upstream fetch, and reads them in this one
 * process with nothing else to do. It checks the stamps as the relay's clients do. What it costs
 * is the floor for any relay that reads its upstream with the SDK on one thread. Run by `fork`;
 * talks over IPC.
 */
import { createUpstreamFetch } from '../../src/services/upstream-fetch.js';
import { runChild, sendToParent } from './children.js';
import { directClient, MODEL, PROMPT } from './direct.js';
import { epochMs } from './graphql.js';
import { checkStamps, LatencyLog, type StampTotals } from './stamps.js';

export interface DirectAssignment {
  baseURL: string;
  streams: number;
  expectedDeltas: number;
  timeoutMs: number;
}

export interface DirectReport extends StampTotals {
  errors: string[];
  latencies: Float64Array;
}

async function main(assignment: DirectAssignment): Promise<void> {
  const client = directClient(assignment.baseURL, createUpstreamFetch());
  const latencies = new LatencyLog(assignment.streams * assignment.expectedDeltas);
  const totals: StampTotals = { delivered: 0, duplicates: 0, missing: 0 };
  const errors: string[] = [];

  // Every stream is opened first; the emulator holds their deltas until the parent releases them.
  const opened = await Promise.all(
    Array.from({ length: assignment.streams }, () =>
      client.responses.create({ model: MODEL, input: PROMPT, stream: true }),
    ),
  );
  sendToParent({ type: 'started' });
  const timer = setTimeout(() => {
    for (const stream of opened) stream.controller.abort();
  }, assignment.timeoutMs);
  await Promise.all(
    opened.map(async (stream) => {
      const cursor = { nextIndex: 0 };
      try {
        for await (const event of stream) {
          if (event.type === 'response.output_text.delta') {
            checkStamps(cursor, event.delta, epochMs(), totals, latencies);
          }
        }
      } catch (error) {
        errors.push(String(error));
      }
      totals.missing += Math.max(0, assignment.expectedDeltas - cursor.nextIndex);
    }),
  );
  clearTimeout(timer);
  const report: DirectReport = { ...totals, errors, latencies: latencies.taken() };
  await new Promise<void>((resolve) => sendToParent({ type: 'report', report }, resolve));
  // The parent samples this process from /proc after the report and then ends it. Exited, it
  // would be a zombie until reaped, whose /proc entry has no memory figures (peak RSS 0).
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
}

sendToParent({ type: 'ready' });
runChild('direct stream reader', main);
