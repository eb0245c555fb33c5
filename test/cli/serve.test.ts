/**
 * `threadline serve` when it cannot start: one clear line, exit code 1, and nothing left behind
 * (the data-directory lock released, the process gone); and what an offline server exposes.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = useTempDir('threadline-serve-');

function serve(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'serve', '--data-dir', tmp.path, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, OPENAI_API_KEY: '', LOG_LEVEL: 'warn' },
        timeout: 20_000,
      },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('threadline serve --help', () => {
  it('lists every setting with its description in one column, the longest flag included', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts', 'serve', '--help'],
        { cwd: ROOT, timeout: 20_000 },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    const rows = stdout.split('\n').filter((line) => /^ {2}--?\w/.test(line));
    expect(rows.some((row) => row.includes('--max-conversations-per-user'))).toBe(true);
    // Where each description starts: after its flag and at least two spaces (a flag of its
    // own length with one space would be taken for a word of its description).
    const starts = rows.map((row) => /^ {2}\S+(?:, \S+)? {2,}/.exec(row)?.[0].length);
    expect(starts.every((start) => start !== undefined)).toBe(true);
    expect(new Set(starts).size).toBe(1);
  });
});

describe('threadline serve, failing to start', () => {
  it('says the port is in use and exits, releasing the data directory', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { code, stderr } = await serve(['--port', String(port), '--host', '127.0.0.1']);
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `threadline: 127.0.0.1:${port} is in use (another server?); choose a port with --port or PORT`,
      );
      expect(existsSync(path.join(tmp.path, '.lock'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('says an address it cannot listen on is the host setting, in one line', async () => {
    // 192.0.2.1 (TEST-NET-1) is on no interface of this machine.
    const { code, stderr } = await serve(['--port', '0', '--host', '192.0.2.1']);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^threadline: cannot listen on 192\.0\.2\.1 \(.*EADDRNOTAVAIL.*\); choose an address with --host or HOST$/,
    );
    expect(existsSync(path.join(tmp.path, '.lock'))).toBe(false);
  });

  it('exits when the users file is damaged, instead of serving without it', async () => {
    await fs.writeFile(path.join(tmp.path, 'users.json'), '{bad');
    const { code, stderr } = await serve(['--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^threadline: .*users\.json.*JSON/m);
    expect(existsSync(path.join(tmp.path, '.lock'))).toBe(false);
  });

  it('says a data directory that is a file cannot be used, in one line', async () => {
    const file = path.join(tmp.path, 'a-file');
    await fs.writeFile(file, '');
    // The later --data-dir wins over the one serve() gives.
    const { code, stderr } = await serve(['--port', '0', '--data-dir', file]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `threadline: data directory ${file} cannot be used: ENOTDIR: not a directory, mkdir '${file}/chats'`,
    );
  });
});

/**
 * An offline `serve` on a free port, its output read as it comes; GraphQL as the user whose
 * token its first start printed, or `token`.
 */
function runningServe(token?: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'serve', '--data-dir', tmp.path, '--port', '0'],
    {
      cwd: ROOT,
      env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', LOG_LEVEL: 'info' },
    },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    exited,
    /** The first match of `pattern` in the output, once it is there. */
    async seen(pattern: RegExp): Promise<string[]> {
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`serve exited:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async token(): Promise<string> {
      return token ?? (await this.seen(/\/\?token=([\w-]+)/))[1]!;
    },
    async graphql(query: string) {
      const [, server] = await this.seen(/"url":"(http:\/\/[\d.:]+)"/);
      const response = await fetch(`${server}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await this.token()}`,
        },
        body: JSON.stringify({ query }),
      });
      return response.json();
    },
    /** Sends a message and waits until its answer is COMPLETE. */
    async answered(): Promise<void> {
      await this.graphql('mutation { sendMessage(input: { text: "Hi" }) { conversation { id } } }');
      const deadline = Date.now() + 10_000;
      let status = '';
      while (status !== 'COMPLETE' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const result = await this.graphql(
          '{ conversations { edges { node { messages { status } } } } }',
        );
        status = result.data.conversations.edges[0].node.messages[1]?.status ?? '';
      }
      expect(status).toBe('COMPLETE');
    },
    async stop(): Promise<number | null> {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('threadline serve, offline', () => {
  it("keeps its emulator, which sees every user's questions, to itself", async () => {
    const serve = runningServe();
    try {
      const [, emulator] = await serve.seen(/"emulator":"(http:\/\/[\d.:]+)\/v1"/);
      for (const path of ['/__emulator/requests', '/v1/responses/resp_x']) {
        expect((await fetch(`${emulator}${path}`)).status).toBe(401);
      }
      const hold = await fetch(`${emulator}/__emulator/pacing`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"hold":true}',
      });
      expect(hold.status).toBe(401);
      // The server itself has the key: an answer still comes.
      await serve.answered();
    } finally {
      await serve.stop();
    }
  });

  it('stops cleanly at a signal as soon as it listens, never leaving a user whose token it did not show', async () => {
    const serve = runningServe();
    await serve.seen(/"url":"http/);
    expect(await serve.stop()).toBe(0);
    expect(existsSync(path.join(tmp.path, '.lock'))).toBe(false);
    const users = await fs.readFile(path.join(tmp.path, 'users.json'), 'utf8').catch(() => null);
    // Made before the stop only if its sign-in link went out first.
    if (users?.includes('"local"')) await serve.token();
  });

  it('stops with `npm start` when npm alone gets SIGTERM, as from a process manager', async () => {
    const npm = spawn('npm', ['start', '--', '--data-dir', tmp.path, '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', LOG_LEVEL: 'info' },
    });
    let output = '';
    npm.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const lock = path.join(tmp.path, '.lock');
    try {
      while (!output.includes('"url":"http')) {
        expect(npm.exitCode).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      npm.kill('SIGTERM');
      await new Promise((resolve) => npm.once('exit', resolve));
      // The server, not only npm's shell, stopped: its lock is released.
      const deadline = Date.now() + 10_000;
      while (existsSync(lock) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(existsSync(lock)).toBe(false);
    } finally {
      // A server left behind by a shell that did not pass the signal on.
      const pid = Number(
        /"pid":\s*(\d+)/.exec(await fs.readFile(lock, 'utf8').catch(() => ''))?.[1],
      );
      if (pid) process.kill(pid, 'SIGKILL');
    }
  });

  it('exits with 1 when its last fold fails at a stop, rather than running on', async () => {
    const first = runningServe();
    await first.answered();
    const token = await first.token();
    expect(await first.stop()).toBe(0);
    const serve = runningServe(token);
    try {
      await serve.answered();
      // Where the fold puts the old snapshot, a folder: the fold fails, the journal keeps all.
      const backup = path.join(tmp.path, 'chats', 'local.json.bak');
      await fs.rm(backup, { force: true });
      await fs.mkdir(backup);
    } finally {
      expect(await serve.stop()).toBe(1);
    }
  });
});
