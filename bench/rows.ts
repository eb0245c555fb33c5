/** Each scenario's result as table rows, with its target. */
import type { Row } from './lib/report.js';
import type { Spread } from './lib/stats.js';
import type { MigrationBenchResult } from './migration.js';
import type { ManyStreamsResult } from './scenarios/many-streams.js';
import type { RelayResult } from './scenarios/relay.js';
import type { StartupResult } from './scenarios/startup.js';
import type { StorageBenchResult } from './storage.js';

const range = (s: Spread, unit = '') => `${s.median}${unit} (${s.min}–${s.max})`;
const count = (n: number) => n.toLocaleString('en-US');

export function relayRows(r: RelayResult): Row[] {
  const scenario = '1 Relay overhead';
  return [
    {
      scenario,
      measure: `wall time / direct SDK, ${count(r.deltas)} deltas, median (min–max) of ${r.repeats}`,
      result: `${range(r.ratio, 'x')}`,
      target: '≤ 1.15x',
      met: r.ratio.median <= 1.15,
    },
    {
      scenario,
      measure: 'direct SDK / Threadline wall time, ms',
      result: `${range(r.directMs)} / ${range(r.threadlineMs)}`,
      target: '',
      met: null,
    },
    {
      scenario,
      measure: 'server CPU per stream, s; TextDelta events per stream',
      result: `${range(r.serverCpuSeconds)}; ${range(r.deltaEvents)}`,
      target: '',
      met: null,
    },
    {
      scenario: '2 Time to first delta',
      measure: `added over direct SDK, p50 (p90) of ${r.firstDelta.samples} pairs, ms`,
      result: `${r.firstDelta.addedP50Ms} (${r.firstDelta.addedP90Ms}); SDK p50 ${r.firstDelta.directP50Ms}, Threadline p50 ${r.firstDelta.threadlineP50Ms}`,
      target: 'p50 < 5 ms',
      met: r.firstDelta.addedP50Ms < 5,
    },
  ];
}

export function manyStreamsRows(results: ManyStreamsResult[]): Row[] {
  return results.flatMap((r): Row[] => {
    const scenario = `3 Many streams: ${count(r.streams)}`;
    const exact =
      r.deliveredDeltas === r.expectedDeltas &&
      r.duplicates + r.missing + r.seqErrors + r.textMismatches === 0 &&
      r.errors.length === 0;
    const largest = r.streams >= 1_000;
    return [
      {
        scenario,
        measure: 'delivered / expected deltas (duplicates, missing, seq errors, bad texts)',
        result: `${count(r.deliveredDeltas)} / ${count(r.expectedDeltas)} (${r.duplicates}, ${r.missing}, ${r.seqErrors}, ${r.textMismatches})`,
        target: 'all, exactly once',
        met: exact,
      },
      {
        scenario,
        measure: 'latency emulator write -> client, p50 / p99 / max, ms',
        result: `${r.latencyP50Ms} / ${r.latencyP99Ms} / ${r.latencyMaxMs}`,
        target: largest ? 'p99 < 100 ms' : '',
        met: largest ? r.latencyP99Ms < 100 : null,
      },
      {
        scenario,
        measure: `server CPU s (share of one core) over ${r.wallSeconds} s, turn starts ${r.turnStartSeconds} s; peak RSS MiB`,
        result: `${r.serverCpuSeconds} (${r.serverCpuShare}); ${r.serverPeakRssMiB}`,
        target: largest ? 'RSS < 1024 MiB' : '',
        met: largest ? r.serverPeakRssMiB < 1024 : null,
      },
      {
        scenario,
        measure: 'CPU s of the emulator; of the client processes (same machine)',
        result: `${r.emulatorCpuSeconds}; ${r.clientCpuSeconds}`,
        target: '',
        met: null,
      },
    ];
  });
}

export function storageRows(results: StorageBenchResult[]): Row[] {
  return results.map((r) => ({
    scenario: `4 Storage: ${count(r.conversations)} conversations`,
    measure: `addMessage p50 / p99 / max, ms (${count(r.messages)} messages, load ${r.loadMs} ms)`,
    result: `${r.p50Ms} / ${r.p99Ms} / ${r.maxMs}`,
    target: r.conversations >= 10_000 ? 'p99 < 20 ms' : '',
    met: r.conversations >= 10_000 ? r.p99Ms < 20 : null,
  }));
}

export function migrationRows(r: MigrationBenchResult): Row[] {
  return [
    {
      scenario: '5 Migration',
      measure: `${count(r.threads)} threads, ${count(r.messages)} messages: threads/s, messages/s`,
      result: `${count(r.threadsPerSecond)}, ${count(r.messagesPerSecond)} (${r.seconds} s, peak RSS ${r.peakRssMiB} MiB)`,
      target: '',
      met: null,
    },
  ];
}

export function startupRows(r: StartupResult): Row[] {
  return [
    {
      scenario: '6 Start-up',
      measure: `threadline serve -> first /healthz 200, median (min–max) of ${r.runs}, ms`,
      result: range(r.ms),
      target: '',
      met: null,
    },
  ];
}
