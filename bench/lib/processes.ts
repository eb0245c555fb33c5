/**
 * The emulator and the server run as child processes, so the load the bench puts on its own
 * event loop (clients, parsing, bookkeeping) never slows the process being measured, and /proc
 * can report each one's CPU and memory on its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pacing } from '../../src/emulator/types.js';
import { createUserService } from '../../src/services/users.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = path.join(ROOT, 'src/main.ts');
const READY_TIMEOUT_MS = 30_000;

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/** Runs `threadline <args>` from source and waits until its output matches `ready`. */
export async function spawnCli(
  args: string[],
  ready: RegExp,
  options: SpawnOptions = {},
): Promise<{ child: Child; match: RegExpExecArray }> {
  const proc = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', MAIN, ...args],
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = {
    process: proc,
    pid: proc.pid ?? -1,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('timed out')), READY_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`threadline ${args[0]}: ${error.message}\n${output.slice(-2000)}`));
    };
    const onData = (data: Buffer) => {
      output += data.toString('utf8');
      // Keep memory flat over long runs; only the tail matters for errors.
      if (output.length > 1_000_000) output = output.slice(-100_000);
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => fail(new Error(`exited with code ${code} before it was ready`)));
  });
  return { child, match };
}

export interface EmulatorProcess extends Child {
  baseURL: string;
  setPacing(pacing: Pacing): Promise<void>;
}

export async function spawnEmulator(options: SpawnOptions = {}): Promise<EmulatorProcess> {
  const { child, match } = await spawnCli(
    ['emulator', '--port', '0', '--log-level', 'warn'],
    /listening on (http:\S+\/v1)/,
    options,
  );
  const baseURL = match[1] as string;
  return {
    ...child,
    baseURL,
    async setPacing(pacing) {
      const response = await fetch(`${baseURL.replace(/\/v1$/, '')}/__emulator/pacing`, {
        method: 'POST',
        body: JSON.stringify(pacing),
      });
      if (!response.ok) throw new Error(`pacing: ${response.status} ${await response.text()}`);
    },
  };
}

export interface ServerProcess extends Child {
  url: string;
  dataDir: string;
  /** The tokens of `options.users`, in order. */
  tokens: string[];
}

/**
 * `threadline serve` on a free port against `upstreamBaseURL`, on a fresh temporary data
 * directory (removed by `stop`) holding the users named in `options.users`.
 */
export async function spawnServer(
  upstreamBaseURL: string,
  options: SpawnOptions & { users?: string[] } = {},
): Promise<ServerProcess> {
  const dataDir = await tempDir();
  const tokens = await addUsers(dataDir, options.users ?? ['bench']);
  const { child, match } = await spawnCli(['serve'], /(http:\/\/127\.0\.0\.1:\d+)\/graphql/, {
    ...options,
    nodeArgs: [...SERVE_NODE_FLAGS, ...(options.nodeArgs ?? [])],
    env: {
      PORT: '0',
      DATA_DIR: dataDir,
      OPENAI_BASE_URL: upstreamBaseURL,
      OPENAI_API_KEY: 'bench-key',
      LOG_LEVEL: 'warn',
      // The bench measures the relay, not a user's hour, whatever the shell sets.
      MAX_ANSWERS_PER_HOUR: '0',
      ...options.env,
    },
  });
  return {
    ...child,
    url: match[1] as string,
    dataDir,
    tokens,
    async stop(graceMs) {
      await child.stop(graceMs);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The node flags `npm start` serves with (package.json), so the bench measures the same. */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=64'];

export const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'threadline-bench-'));

/** Users are added before the server starts, so `serve` creates no default user. */
async function addUsers(dataDir: string, names: string[]): Promise<string[]> {
  const users = createUserService({ dataDir });
  const tokens: string[] = [];
  for (const name of names) tokens.push(await users.add(name));
  return tokens;
}
