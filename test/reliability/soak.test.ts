/**
 * The soak in CI: ~20 s of mixed traffic against the real server, then its heap after a forced
 * GC must be back near the post-warm-up heap. Locally: `npx tsx test/reliability/soak.ts
 * --minutes 15`.
 */
import { expect, it } from 'vitest';
import { runSoak } from './soak.js';

it('serves mixed traffic without failures and with a flat heap', async () => {
  const report = await runSoak({ seconds: 20, workers: 4, replayTtlMs: 2_000 });
  expect(report.failures).toEqual([]);
  for (const name of ['send', 'resume', 'stop', 'list', 'rename', 'read', 'delete', 'reconnect']) {
    expect(report.operations[name], name).toBeGreaterThan(0);
  }
  // A leak of tens of KiB per turn (about 300 turns run) would show; GC noise stays inside.
  const bound = Math.max(8, report.baselineHeapMiB * 0.3);
  expect(report.finalHeapMiB - report.baselineHeapMiB).toBeLessThan(bound);
}, 90_000);
