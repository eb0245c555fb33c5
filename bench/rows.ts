/** Each scenario's result as table rows, with its target. */
import type { Row } from './lib/report.js';
import { type Spread, spread } from './lib/stats.js';
import type { MigrationBenchResult } from './migration.js';
import type { DirectStreamsResult } from './scenarios/direct-streams.js';
import type { ManyStreamsResult } from './scenarios/many-streams.js';
import type { RelayResult } from './scenarios/relay.js';
import type { StartupResult } from './scenarios/startup.js';
import type { StorageBenchResult } from './storage.js';

const range = (s: Spread, unit = '') => `${s.median}${unit} (${s.min}–${s.max})`;
const count = (n: number) => n.toLocaleString('en-US');

type NumericKeyOf<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];
type ShareKey = 'mainThreadRunShare' | 'mainThreadWaitShare';

/** Figures of repeated runs: one run's value, or the median (min–max) of several. */
function overRuns<R extends Record<ShareKey, number | null>>(runs: R[]) {
  const n = runs.length;
  const show = (s: Spread) => (n > 1 ? range(s) : String(s.median));
  return {
    n,
    of: n > 1 ? `, median (min–max) of ${n} runs` : '',
    show,
    each: (key: NumericKeyOf<R>) => spread(runs.map((r) => r[key] as number)),
    total: (key: NumericKeyOf<R>) => runs.reduce((sum, r) => sum + (r[key] as number), 0),
    /** Like `show(each(key))`, for a share the kernel may not have kept (n/a then). */
    share: (key: ShareKey) => {
      const values = runs.flatMap((r) => (r[key] === null ? [] : [r[key]]));
      return values.length === 0 ? 'n/a' : show(spread(values));
    },
  };
}

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

/** Each stream count's runs as rows: medians with min–max, totals for the delivery checks. */
export function manyStreamsRows(groups: ManyStreamsResult[][]): Row[] {
  return groups.flatMap((runs): Row[] => {
    const first = runs[0];
    if (!first) return [];
    const scenario = `3 Many streams: ${count(first.streams)}`;
    const { n, of, show, each, total, share } = overRuns(runs);
    const exact = runs.every(
      (r) =>
        r.deliveredDeltas === r.expectedDeltas &&
        r.duplicates + r.missing + r.seqErrors + r.textMismatches === 0 &&
        r.errors.length === 0,
    );
    const largest = first.streams >= 1_000;
    const p99 = each('latencyP99Ms');
    const rss = each('serverPeakRssMiB');
    return [
      {
        scenario,
        measure: `delivered / expected deltas (duplicates, missing, seq errors, bad texts)${n > 1 ? `, ${n} runs` : ''}`,
        result: `${count(total('deliveredDeltas'))} / ${count(total('expectedDeltas'))} (${total('duplicates')}, ${total('missing')}, ${total('seqErrors')}, ${total('textMismatches')})`,
        target: 'all, exactly once',
        met: exact,
      },
      {
        scenario,
        measure: `latency emulator write -> client, p99, ms${of}`,
        result: show(p99),
        target: largest ? 'p99 < 100 ms' : '',
        met: largest ? p99.median < 100 : null,
      },
      {
        scenario,
        measure: `latency p50 / max, ms${of}`,
        result: `${show(each('latencyP50Ms'))} / ${show(each('latencyMaxMs'))}`,
        target: '',
        met: null,
      },
      {
        scenario,
        measure: `server CPU s, share of one core, over ${each('wallSeconds').median} s (turn starts ${each('turnStartSeconds').median} s); peak RSS MiB${of}`,
        result: `${show(each('serverCpuSeconds'))}, ${each('serverCpuShare').median}; ${show(rss)}`,
        target: largest ? 'RSS < 1024 MiB' : '',
        met: largest ? rss.max < 1024 : null,
      },
      {
        scenario,
        measure: `server main thread: share of the wall time on a core / ready but waiting for one${of}`,
        result: `${share('mainThreadRunShare')} / ${share('mainThreadWaitShare')}`,
        target: '',
        met: null,
      },
      {
        scenario,
        measure: `CPU s of the emulator; of the client processes (same machine)${of}`,
        result: `${show(each('emulatorCpuSeconds'))}; ${show(each('clientCpuSeconds'))}`,
        target: '',
        met: null,
      },
    ];
  });
}

/**
 * The baseline's runs: the same streams read by the SDK alone in one process. No target; its
 * latency and CPU are the floor the relay's figures above stand on.
 */
export function directStreamsRows(runs: DirectStreamsResult[]): Row[] {
  const first = runs[0];
  if (!first) return [];
  const scenario = `3 Baseline: ${count(first.streams)}, SDK alone`;
  const { n, of, show, each, total, share } = overRuns(runs);
  return [
    {
      scenario,
      measure: `delivered / expected deltas (duplicates, missing)${n > 1 ? `, ${n} runs` : ''}`,
      result: `${count(total('deliveredDeltas'))} / ${count(total('expectedDeltas'))} (${total('duplicates')}, ${total('missing')})`,
      target: '',
      met: null,
    },
    {
      scenario,
      measure: `latency emulator write -> SDK reader, p50 / p99 / max, ms${of}`,
      result: `${show(each('latencyP50Ms'))} / ${show(each('latencyP99Ms'))} / ${show(each('latencyMaxMs'))}`,
      target: '',
      met: null,
    },
    {
      scenario,
      measure: `reader CPU s, share of one core; peak RSS MiB${of}`,
      result: `${show(each('cpuSeconds'))}, ${each('cpuShare').median}; ${show(each('peakRssMiB'))}`,
      target: '',
      met: null,
    },
    {
      scenario,
      measure: `reader main thread: share of the wall time on a core / ready but waiting for one${of}`,
      result: `${share('mainThreadRunShare')} / ${share('mainThreadWaitShare')}`,
      target: '',
      met: null,
    },
  ];
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
