/**
 * Scenario 3. Many concurrent streams, each on its own conversation, the emulator pacing every
 * stream at `tokensPerSecond` with each delta stamped with its write time. The load comes from
 * `clientProcesses` forked client processes (bench/lib/stream-client.ts), each multiplexing
 * `streamsPerConnection` subscriptions per WebSocket (one user per WebSocket), so that the
 * clients' own JSON parsing is spread over processes and kept out of the server's.
 */
import { fileURLToPath } from 'node:url';
import { forkTs, waitFor } from '../lib/children.js';
import { createConversation } from '../lib/graphql.js';
import { measureUsage, renice } from '../lib/process-stats.js';
import { spawnEmulator, spawnServer } from '../lib/processes.js';
import { latencySummary } from '../lib/stamps.js';
import { round } from '../lib/stats.js';
import type { ClientAssignment, ClientReport } from '../lib/stream-client.js';

export interface ManyStreamsOptions {
  streams: number;
  tokensPerSecond: number;
  seconds: number;
  /** @default 2 */
  clientProcesses?: number;
  /** @default 50 */
  streamsPerConnection?: number;
  nodeArgs?: string[];
  /**
   * Nice value for the emulator and the client processes, so the server comes first on the
   * cores, as if its load came from other machines. @default none (all at the same priority)
   */
  harnessNice?: number;
}

export interface ManyStreamsResult {
  streams: number;
  connections: number;
  clientProcesses: number;
  /** The emulator's and clients' nice value, when they were given one. */
  harnessNice: number | null;
  expectedDeltas: number;
  deliveredDeltas: number;
  duplicates: number;
  missing: number;
  seqErrors: number;
  textMismatches: number;
  errors: string[];
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Server CPU over the whole run (turn starts included) and as a share of one core. */
  serverCpuSeconds: number;
  serverCpuShare: number;
  serverPeakRssMiB: number;
  /**
   * Shares of the wall time the server's main thread spent on a core and ready but waiting for
   * one; null where the kernel keeps no schedstat. Together near 1 means it never ran out of work.
   */
  mainThreadRunShare: number | null;
  mainThreadWaitShare: number | null;
  emulatorCpuSeconds: number;
  /** All client processes together. */
  clientCpuSeconds: number;
  /** From the first sendMessage to the last one's answer; the streams are held until then. */
  turnStartSeconds: number;
  wallSeconds: number;
}

const CLIENT = fileURLToPath(new URL('../lib/stream-client.ts', import.meta.url));

export async function benchManyStreams(options: ManyStreamsOptions): Promise<ManyStreamsResult> {
  const clientProcesses = options.clientProcesses ?? 2;
  const perConnection = options.streamsPerConnection ?? 50;
  const connections = Math.ceil(options.streams / perConnection);
  const replyWords = Math.round(options.tokensPerSecond * options.seconds);
  const emulator = await spawnEmulator();
  const server = await spawnServer(emulator.baseURL, {
    nodeArgs: options.nodeArgs,
    users: Array.from({ length: connections }, (_, i) => `load${i}`),
    // Each user streams `perConnection` answers at once, whatever the cap the shell sets.
    env: { MAX_ANSWERS_PER_USER: String(perConnection) },
  });
  const workers: ReturnType<typeof forkTs>[] = [];
  try {
    await emulator.setPacing({
      tokensPerSecond: options.tokensPerSecond,
      replyWords,
      stampDeltas: true,
      // Turns open and wait before their first delta until every turn has started, so that all
      // the streams run at once for the whole time instead of overlapping a slow ramp.
      hold: true,
    });
    const plan = await createConversations(
      server.url,
      server.tokens,
      options.streams,
      perConnection,
    );
    const shares: ClientAssignment['connections'][] = Array.from(
      { length: clientProcesses },
      () => [],
    );
    plan.forEach((connection, i) => {
      shares[i % clientProcesses]?.push(connection);
    });

    const reports: Promise<ClientReport>[] = [];
    const ready: Promise<void>[] = [];
    for (const share of shares) {
      const worker = forkTs(CLIENT);
      workers.push(worker);
      const assignment: ClientAssignment = {
        url: server.url,
        connections: share,
        expectedDeltas: replyWords,
        sendConcurrency: 10,
        timeoutMs: options.seconds * 2_000 + 60_000,
      };
      ready.push(waitFor(worker, 'ready').then(() => undefined));
      reports.push(waitFor(worker, 'report').then((message) => message.report as ClientReport));
      worker.send({ type: 'start', assignment });
    }
    await Promise.all(ready);
    if (options.harnessNice !== undefined) {
      for (const pid of [emulator.pid, ...workers.map((worker) => worker.pid ?? -1)]) {
        renice(pid, options.harnessNice);
      }
    }

    const serverUsage = measureUsage(server.pid);
    const emulatorUsage = measureUsage(emulator.pid);
    const startedAt = performance.now();
    const started = workers.map((worker) => waitFor(worker, 'started'));
    for (const worker of workers) worker.send({ type: 'go' });
    await Promise.all(started);
    const turnStartSeconds = (performance.now() - startedAt) / 1000;
    await emulator.setPacing({ hold: false });
    const done = await Promise.all(reports);
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const serverUsed = serverUsage(wallSeconds);
    const emulatorUsed = emulatorUsage(wallSeconds);

    const sum = (key: 'delivered' | 'duplicates' | 'missing' | 'seqErrors' | 'textMismatches') =>
      done.reduce((n, report) => n + report[key], 0);
    return {
      streams: options.streams,
      connections,
      clientProcesses,
      harnessNice: options.harnessNice ?? null,
      expectedDeltas: options.streams * replyWords,
      deliveredDeltas: sum('delivered'),
      duplicates: sum('duplicates'),
      missing: sum('missing'),
      seqErrors: sum('seqErrors'),
      textMismatches: sum('textMismatches'),
      errors: done.flatMap((report) => report.errors).slice(0, 10),
      ...latencySummary(done.map((report) => report.latencies)),
      serverCpuSeconds: serverUsed.cpuSeconds,
      serverCpuShare: serverUsed.cpuShare,
      serverPeakRssMiB: serverUsed.peakRssMiB,
      mainThreadRunShare: serverUsed.mainThreadRunShare,
      mainThreadWaitShare: serverUsed.mainThreadWaitShare,
      emulatorCpuSeconds: emulatorUsed.cpuSeconds,
      clientCpuSeconds: round(
        done.reduce((n, report) => n + report.cpuSeconds, 0),
        1,
      ),
      turnStartSeconds: round(turnStartSeconds, 1),
      wallSeconds: round(wallSeconds, 1),
    };
  } finally {
    for (const worker of workers) if (worker.connected) worker.kill();
    await server.stop();
    await emulator.stop();
  }
}

/** One user per connection, `perConnection` conversations each. */
async function createConversations(
  url: string,
  tokens: string[],
  streams: number,
  perConnection: number,
): Promise<ClientAssignment['connections']> {
  const plan = tokens.map((token) => ({ token, conversationIds: [] as string[] }));
  const jobs = Array.from({ length: streams }, (_, i) => plan[Math.floor(i / perConnection)]);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const connection = jobs[next++] as (typeof plan)[number];
      connection.conversationIds.push(await createConversation(url, connection.token));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return plan;
}
