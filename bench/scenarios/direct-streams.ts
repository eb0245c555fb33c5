/**
 * Scenario 3's baseline: the same streams as `benchManyStreams` (paced, stamped, held until all
 * are open, then released together) read straight from the emulator by the openai SDK in one
 * process, with no relay. Its CPU and latency are what the SDK alone costs at that load on this
 * machine: the floor under any relay that reads its upstream with the SDK on one thread.
 */
import { fileURLToPath } from 'node:url';
import { forkTs, waitFor } from '../lib/children.js';
import type { DirectAssignment, DirectReport } from '../lib/direct-streams-client.js';
import { measureUsage, type ProcessUsage, renice } from '../lib/process-stats.js';
import { SERVE_NODE_FLAGS, spawnEmulator } from '../lib/processes.js';
import { latencySummary } from '../lib/stamps.js';
import { round } from '../lib/stats.js';

export interface DirectStreamsOptions {
  streams: number;
  tokensPerSecond: number;
  seconds: number;
  /** Nice value for the emulator, as in `benchManyStreams`. @default none */
  harnessNice?: number;
}

/** `ProcessUsage` is the reader process's, stream opens included. */
export interface DirectStreamsResult extends ProcessUsage {
  streams: number;
  expectedDeltas: number;
  deliveredDeltas: number;
  duplicates: number;
  missing: number;
  errors: string[];
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  emulatorCpuSeconds: number;
  wallSeconds: number;
}

const READER = fileURLToPath(new URL('../lib/direct-streams-client.ts', import.meta.url));

export async function benchDirectStreams(
  options: DirectStreamsOptions,
): Promise<DirectStreamsResult> {
  const replyWords = Math.round(options.tokensPerSecond * options.seconds);
  const emulator = await spawnEmulator();
  // The server's node flags (its young-generation size), so the two pay the same for GC.
  const reader = forkTs(READER, SERVE_NODE_FLAGS);
  try {
    // Loaded (its start-up is not counted), as the server is before its figures are taken.
    await waitFor(reader, 'ready');
    await emulator.setPacing({
      tokensPerSecond: options.tokensPerSecond,
      replyWords,
      stampDeltas: true,
      hold: true,
    });
    if (options.harnessNice !== undefined) renice(emulator.pid, options.harnessNice);
    const readerUsage = measureUsage(reader.pid ?? -1);
    const emulatorUsage = measureUsage(emulator.pid);
    const startedAt = performance.now();
    const started = waitFor(reader, 'started');
    const reported = waitFor(reader, 'report');
    const assignment: DirectAssignment = {
      baseURL: emulator.baseURL,
      streams: options.streams,
      expectedDeltas: replyWords,
      timeoutMs: options.seconds * 2_000 + 60_000,
    };
    reader.send({ type: 'start', assignment });
    await started;
    await emulator.setPacing({ hold: false });
    const report = (await reported).report as DirectReport;
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const used = readerUsage(wallSeconds);
    const emulatorUsed = emulatorUsage(wallSeconds);
    return {
      streams: options.streams,
      expectedDeltas: options.streams * replyWords,
      deliveredDeltas: report.delivered,
      duplicates: report.duplicates,
      missing: report.missing,
      errors: report.errors.slice(0, 10),
      ...latencySummary([report.latencies]),
      ...used,
      emulatorCpuSeconds: emulatorUsed.cpuSeconds,
      wallSeconds: round(wallSeconds, 1),
    };
  } finally {
    if (reader.connected) reader.kill();
    await emulator.stop();
  }
}
