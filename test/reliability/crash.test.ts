/**
 * The crash test in CI: 20 SIGKILLs of the real server at random moments of a stream, each
 * followed by a restart on the same data dir and the invariants of `crash-run.ts`.
 * Locally: `npx tsx test/reliability/crash-run.ts --kills 200`.
 */
import { expect, it } from 'vitest';
import { runCrashTest } from './crash-run.js';

it('loses no acknowledged write and recovers every interrupted answer over 20 kills', async () => {
  const report = await runCrashTest({ kills: 20, checkpointMs: 50 });
  // The seed makes a failure repeatable: runCrashTest({ kills: 20, seed }).
  expect(report.violations, `seed ${report.seed}`).toEqual([]);
  expect(report.kills).toBe(20);
  expect(report.interruptedAnswers).toBeGreaterThan(0);
  expect(report.nextTurns).toBeGreaterThanOrEqual(20);
}, 120_000);
