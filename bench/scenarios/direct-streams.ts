/**
 * Scenario 3's baseline: the same streams as `benchManyStreams` (paced, stamped, held until all
 * are open, then released together) read straight from the emulator by the openai SDK in one
 * process, with no relay. Its CPU and latency are what the SDK alone costs at that load on this
 * machine: the floor under any relay that reads its upstream with the SDK on one thread.
 */
import { fileURLToPath } from 'node:url';
import { forkTs, waitFor } from '../lib/children.js';
import type { DirectAssignment, DirectReport } from '../lib/direct-streams-client.js';
import { mib, renice, sampleProcess, sampleThread, threadShares } from '../lib/process-stats.js';
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

export interface DirectStreamsResult {
  streams: number;
  expectedDeltas: number;
  deliveredDeltas: number;
  duplicates: number;
  missing: number;
  errors: string[];
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** The reader process, stream opens included, and as a share of one core. */
  cpuSeconds: number;
  cpuShare: number;
  peakRssMiB: number;
  /** Shares of the wall time its main thread was on a core, and ready but waiting for one. */
  mainThreadRunShare: number | null;
  mainThreadWaitShare: number | null;
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
    const pid = reader.pid ?? -1;
    const before = sampleProcess(pid);
    const mainBefore = sampleThread(pid);
    const emulatorBefore = sampleProcess(emulator.pid);
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
    const after = sampleProcess(pid);
    const mainAfter = sampleThread(pid);
    const emulatorAfter = sampleProcess(emulator.pid);
    const latencyParts = [report.latencies];
    const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const main = threadShares(mainBefore, mainAfter, wallSeconds);
    return {
      streams: options.streams,
      expectedDeltas: options.streams * replyWords,
      deliveredDeltas: report.delivered,
      duplicates: report.duplicates,
      missing: report.missing,
      errors: report.errors.slice(0, 10),
      ...latencySummary(latencyParts),
      cpuSeconds: round(cpuSeconds, 1),
      cpuShare: round(cpuSeconds / wallSeconds, 2),
      peakRssMiB: mib(after.peakRssBytes),
      mainThreadRunShare: main.run,
      mainThreadWaitShare: main.wait,
      emulatorCpuSeconds: round(emulatorAfter.cpuSeconds - emulatorBefore.cpuSeconds, 1),
      wallSeconds: round(wallSeconds, 1),
    };
  } finally {
    if (reader.connected) reader.kill();
    await emulator.stop();
  }
}
