/**
 * `npm run bench`: every scenario, a results table, `bench/results.json` and the README's
 * performance section. `--only <scenario>` runs one, `--quick` a short version (one run per
 * stream count instead of three), `--repeats N` the number of timed relay pairs, `--profile`
 * starts the server processes with `--cpu-prof` (profiles land in bench/out/), and
 * `--harness-nice N` lowers the emulator's and the clients' priority in scenario 3. Partial,
 * quick or reniced runs write bench/out/results.json and leave the README.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine, serverSettingsLine } from './lib/machine.js';
import { ROOT } from './lib/processes.js';
import { replaceBenchSection } from './lib/readme.js';
import { type Row, renderMarkdown, renderText } from './lib/report.js';
import {
  directStreamsRows,
  manyStreamsRows,
  migrationRows,
  relayRows,
  startupRows,
  storageRows,
} from './rows.js';
import { benchDirectStreams } from './scenarios/direct-streams.js';
import { benchManyStreams } from './scenarios/many-streams.js';
import { benchMigrationThroughput } from './scenarios/migration.js';
import { benchRelay } from './scenarios/relay.js';
import { benchStartup } from './scenarios/startup.js';
import { benchStorageGrowth } from './scenarios/storage.js';

const SCENARIOS = ['migration', 'storage', 'relay', 'startup', 'streams'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    repeats: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'harness-nice': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    `Usage: npm run bench -- [--only ${SCENARIOS.join('|')}] [--quick] [--repeats N] [--profile] [--harness-nice N]`,
  );
  process.exit(0);
}
const only = values.only as Scenario | undefined;
if (only && !SCENARIOS.includes(only)) {
  console.error(`--only must be one of ${SCENARIOS.join(', ')}`);
  process.exit(2);
}
const quick = values.quick ?? false;
const repeats = Number(values.repeats ?? (quick ? 3 : 7));
/** Runs of each stream count: one run's p99 moves by tens of ms from run to run. */
const streamRuns = quick ? 1 : 3;
const outDir = path.join(ROOT, 'bench/out');
await fs.mkdir(outDir, { recursive: true });
/** Lowers the emulator's and the clients' priority in scenario 3 (a partial run: README left). */
const harnessNice =
  values['harness-nice'] === undefined ? undefined : Number(values['harness-nice']);
if (
  harnessNice !== undefined &&
  !(Number.isInteger(harnessNice) && harnessNice >= 0 && harnessNice <= 19)
) {
  console.error('--harness-nice must be an integer from 0 to 19');
  process.exit(2);
}
const nodeArgs = values.profile ? ['--cpu-prof', '--cpu-prof-dir', outDir] : [];

const runs: Record<Scenario, () => Promise<{ result: unknown; rows: Row[] }>> = {
  async migration() {
    const result = await benchMigrationThroughput(quick);
    return { result, rows: migrationRows(result) };
  },
  async storage() {
    const result = await benchStorageGrowth([100, 1_000, 10_000], quick ? 100 : 500);
    return { result, rows: storageRows(result) };
  },
  async relay() {
    const result = await benchRelay({
      deltas: 20_000,
      repeats,
      firstDeltaSamples: quick ? 10 : 30,
      nodeArgs,
    });
    return { result, rows: relayRows(result) };
  },
  async startup() {
    const result = await benchStartup(quick ? 2 : 5);
    return { result, rows: startupRows(result) };
  },
  async streams() {
    const result = [];
    for (const streams of [200, 500, 1_000]) {
      const group = [];
      for (let run = 1; run <= streamRuns; run++) {
        console.error(`  ${streams} streams, run ${run} of ${streamRuns}...`);
        group.push(
          await benchManyStreams({
            streams,
            tokensPerSecond: 30,
            seconds: quick ? 5 : 20,
            nodeArgs,
            harnessNice,
          }),
        );
      }
      result.push(group);
    }
    // The baseline at the largest count: the same streams read by the SDK alone, no relay.
    const sdkAlone = [];
    for (let run = 1; run <= streamRuns; run++) {
      console.error(`  1,000 streams read by the SDK alone, run ${run} of ${streamRuns}...`);
      sdkAlone.push(
        await benchDirectStreams({
          streams: 1_000,
          tokensPerSecond: 30,
          seconds: quick ? 5 : 20,
          harnessNice,
        }),
      );
    }
    return {
      result: { threadline: result, sdkAlone },
      rows: [...manyStreamsRows(result), ...directStreamsRows(sdkAlone)],
    };
  },
};

const startedAt = new Date();
const results: Partial<Record<Scenario, unknown>> = {};
const rows: Row[] = [];
for (const scenario of only ? [only] : SCENARIOS) {
  console.error(`${scenario}...`);
  const { result, rows: scenarioRows } = await runs[scenario]();
  results[scenario] = result;
  rows.push(...scenarioRows);
}

const harness = harnessNice === undefined ? '' : `; emulator and clients at nice ${harnessNice}`;
const machine = `${machineLine()}; server: ${serverSettingsLine()}${harness}`;
const date = startedAt.toISOString().slice(0, 10);
console.log(renderText(rows));
const full = !only && !quick && harnessNice === undefined;
const file = full ? path.join(ROOT, 'bench/results.json') : path.join(outDir, 'results.json');
await fs.writeFile(
  file,
  `${JSON.stringify({ date: startedAt.toISOString(), machine, quick, repeats, results }, null, 2)}\n`,
);
console.log(`\n${machine}\nwrote ${path.relative(ROOT, file)}`);
if (full) {
  await replaceBenchSection(path.join(ROOT, 'README.md'), renderMarkdown(rows, date, machine));
  console.log('updated the README performance section');
}
