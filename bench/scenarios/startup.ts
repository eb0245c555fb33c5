/**
 * Scenario 6. Start-up: from spawning `bin/threadline.js serve` (from source through tsx, as
 * `npm start` runs it; a build would skip the TypeScript transform) to the first `/healthz` 200,
 * polled every few milliseconds on a port chosen beforehand. Each start is on a fresh data
 * directory, as on a first run.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, tempDir } from '../lib/processes.js';
import { round, type Spread, spread } from '../lib/stats.js';

export interface StartupResult {
  runs: number;
  /** Milliseconds to the first /healthz 200. */
  ms: Spread;
}

const POLL_MS = 5;
const GIVE_UP_MS = 30_000;

export async function benchStartup(runs: number): Promise<StartupResult> {
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const ms = await startOnce();
    // The first start warms the disk cache and tsx's transform cache; it is not counted.
    if (i > 0) times.push(ms);
  }
  const s = spread(times);
  return { runs, ms: { median: round(s.median, 0), min: round(s.min, 0), max: round(s.max, 0) } };
}

async function startOnce(): Promise<number> {
  const dataDir = await tempDir();
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/threadline.js'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      // A configured upstream, as in production (it is not contacted at start-up).
      OPENAI_API_KEY: 'bench-key',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited with code ${child.exitCode}`);
      if (performance.now() - startedAt > GIVE_UP_MS) throw new Error('serve did not start');
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return performance.now() - startedAt;
      await sleep(POLL_MS);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
