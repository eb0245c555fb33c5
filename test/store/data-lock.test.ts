import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { StorageError } from '../../src/services/errors.js';
import { acquireDataLock } from '../../src/services/store/data-lock.js';
import { withFileLock } from '../../src/services/store/file-lock.js';
import { removeIfStill } from '../../src/services/store/lock-file.js';
import { useTempDir } from '../helpers/temp-dir.js';

const temp = useTempDir();
const stores: JsonConversationStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function newStore(logger: Logger = silentLogger): JsonConversationStore {
  const store = new JsonConversationStore({ dataDir: temp.path, logger });
  stores.push(store);
  return store;
}

const IN_USE =
  /^data directory .+ is in use by process \d+ .*; stop it or choose another DATA_DIR$/;

const storeModule = pathToFileURL(
  path.resolve(import.meta.dirname, '../../src/services/conversation-store.ts'),
).href;

/** Opens a store on `dataDir` in another Node process; resolves with its exit code and stderr. */
function openInChildProcess(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  const script = `
    const { JsonConversationStore } = await import(${JSON.stringify(storeModule)});
    const store = new JsonConversationStore({ dataDir: process.env.DATA_DIR });
    try {
      await store.open();
      await store.close();
    } catch (error) {
      console.error(error.message);
      process.exit(2);
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('data-directory lock', () => {
  it('refuses a second store on the same directory in the same process', async () => {
    const first = newStore();
    await first.open();
    const lock = JSON.parse(await fs.readFile(path.join(temp.path, '.lock'), 'utf8'));
    expect(lock.pid).toBe(process.pid);

    const second = newStore();
    const failure = second.open();
    await expect(failure).rejects.toThrow(StorageError);
    await expect(failure).rejects.toThrow(IN_USE);

    await first.close();
    await expect(fs.access(path.join(temp.path, '.lock'))).rejects.toThrow();
    await second.open();
  });

  it('refuses a second process with a clear message and a non-zero exit', async () => {
    const holder = newStore();
    await holder.open();
    const refused = await openInChildProcess(temp.path);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `data directory ${temp.path} is in use by process ${process.pid}`,
    );
    expect(refused.stderr).toContain('stop it or choose another DATA_DIR');

    // The lock is what refused it: once released, the other process gets in.
    await holder.close();
    const admitted = await openInChildProcess(temp.path);
    expect(admitted).toEqual({ code: 0, stderr: '' });
  });

  it('takes over a stale lock left by a process that is gone, with a warning', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    expect(gone).toBeGreaterThan(0);
    await fs.writeFile(
      path.join(temp.path, '.lock'),
      JSON.stringify({ pid: gone, startedAt: '2020-01-01T00:00:00.000Z' }),
    );
    const warnings: string[] = [];
    const store = newStore({ ...silentLogger, warn: (message) => warnings.push(message) });
    await store.open();
    expect(warnings).toEqual(['Taking over a stale data-directory lock']);
    const lock = JSON.parse(await fs.readFile(path.join(temp.path, '.lock'), 'utf8'));
    expect(lock.pid).toBe(process.pid);
  });

  it('takes over only the stale lock it read, not one another server took meanwhile', async () => {
    const lockPath = path.join(temp.path, '.lock');
    const fresh = { pid: process.ppid, startedAt: '2026-01-01T00:00:00.000Z' };
    await fs.writeFile(lockPath, JSON.stringify(fresh));
    // The holder read before: gone since, and its lock replaced by `fresh`.
    await removeIfStill(lockPath, { pid: 1_234_567, startedAt: '2020-01-01T00:00:00.000Z' });
    expect(JSON.parse(await fs.readFile(lockPath, 'utf8'))).toEqual(fresh);
    expect(await fs.readdir(temp.path)).toEqual(['.lock']);

    await removeIfStill(lockPath, fresh);
    expect(await fs.readdir(temp.path)).toEqual([]);
  });

  it("takes over a lock whose pid another process has since (an earlier life's pid 1, say)", async () => {
    const start = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
    };
    const lockPath = path.join(temp.path, '.lock');
    // The parent process is alive, and its start is not the one the lock names.
    const reused = { pid: process.ppid, startedAt: '2020-01-01T00:00:00.000Z', processStart: '1' };
    await fs.writeFile(lockPath, JSON.stringify(reused));
    const store = newStore();
    await store.open();
    expect(JSON.parse(await fs.readFile(lockPath, 'utf8'))).toMatchObject({
      pid: process.pid,
      processStart: start(process.pid),
    });
    await store.close();

    // The same live process, with its own start: it holds the directory.
    const held = { ...reused, processStart: start(process.ppid) };
    await fs.writeFile(lockPath, JSON.stringify(held));
    await expect(newStore().open()).rejects.toThrow(/in use by process/);

    // Another host's pids say nothing here, even one no process here has.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await fs.writeFile(lockPath, JSON.stringify({ ...held, pid: gone, host: 'elsewhere' }));
    await expect(newStore().open()).rejects.toThrow(
      `in use by process ${gone} on elsewhere (since 2020-01-01T00:00:00.000Z); stop it or choose another DATA_DIR (if that server is gone, delete ${lockPath})`,
    );
  });

  it('treats a lock with its own pid but not held here as stale (a restarted container)', async () => {
    await fs.writeFile(
      path.join(temp.path, '.lock'),
      JSON.stringify({ pid: process.pid, startedAt: '2020-01-01T00:00:00.000Z' }),
    );
    await newStore().open();
  });
});

describe('a data-directory lock released while this process takes it again', () => {
  it('is never taken over as stale, nor left without its file while held', async () => {
    for (let round = 0; round < 40; round++) {
      const first = await acquireDataLock(temp.path, silentLogger);
      const warnings: string[] = [];
      const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
      const [, second] = await Promise.allSettled([
        first.release(),
        acquireDataLock(temp.path, logger),
      ]);
      expect(warnings).toEqual([]);
      if (second.status === 'fulfilled') {
        const lock = JSON.parse(await fs.readFile(path.join(temp.path, '.lock'), 'utf8'));
        expect(lock.pid).toBe(process.pid);
        await second.value.release();
      } else {
        expect(second.reason).toBeInstanceOf(StorageError);
      }
      expect(await fs.readdir(temp.path)).toEqual([]);
    }
  });
});

describe('a lock for one change of a file', () => {
  it('runs changes of one process one at a time', async () => {
    const lockPath = path.join(temp.path, 'users.json.lock');
    const order: string[] = [];
    const change = (name: string) =>
      withFileLock(lockPath, async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`${name} out`);
      });
    await Promise.all([change('a'), change('b')]);
    // Either may go first; the other waits until it is out.
    const first = order[0]?.[0];
    const second = first === 'a' ? 'b' : 'a';
    expect(order).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    expect(await fs.readdir(temp.path)).toEqual([]);
  });

  it('lets no one in while a holder releases the lock, however slowly', async () => {
    const lockPath = path.join(temp.path, 'users.json.lock');
    // The release reads the lock before removing it; slowed, that read leaves the window in
    // which a waiter could take the lock over as stale and the release then delete its lock.
    const read = fs.readFile.bind(fs);
    const slow = vi.spyOn(fs, 'readFile').mockImplementation(async (...args) => {
      if (new Error().stack?.includes('releaseLock')) {
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      return read(...(args as Parameters<typeof read>));
    });
    let inside = 0;
    let most = 0;
    const change = () =>
      withFileLock(lockPath, async () => {
        most = Math.max(most, ++inside);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inside--;
      });
    try {
      await Promise.all([change(), change(), change(), change()]);
    } finally {
      slow.mockRestore();
    }
    expect(most).toBe(1);
    expect(await fs.readdir(temp.path)).toEqual([]);
  });

  it('takes over a lock with its own pid it does not hold (a restarted container) at once', async () => {
    const lockPath = path.join(temp.path, 'users.json.lock');
    await fs.writeFile(
      lockPath,
      JSON.stringify({ pid: process.pid, startedAt: '2020-01-01T00:00:00.000Z' }),
    );
    // A wait of 10 s would fail the test; the lock is stale, so the change runs at once.
    expect(await withFileLock(lockPath, async () => 'changed', 1_000)).toBe('changed');
    expect(await fs.readdir(temp.path)).toEqual([]);
  });
});
