import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUserService, usersFilePath } from '../../src/services/users.js';

const run = promisify(execFile);
let dataDir: string;

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-users-'));
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('user service', () => {
  it('issues 32-byte base64url tokens and stores only their sha-256', async () => {
    const users = createUserService({ dataDir });
    const token = await users.add('alice');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const file = await fs.readFile(usersFilePath(dataDir), 'utf8');
    expect(file).not.toContain(token);
    expect(JSON.parse(file).users[0].tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await fs.stat(usersFilePath(dataDir))).mode & 0o777).toBe(0o600);
  });

  it('authenticates each token as its own user and refuses everything else', async () => {
    const users = createUserService({ dataDir });
    const alice = await users.add('alice');
    const bob = await users.add('bob');
    expect(await users.authenticate(alice)).toBe('alice');
    expect(await users.authenticate(bob)).toBe('bob');
    for (const wrong of [null, undefined, '', `${alice}x`, alice.slice(1), 'x'.repeat(10_000)]) {
      expect(await users.authenticate(wrong)).toBeNull();
    }
  });

  it('refuses a duplicate or invalid name, and removing an unknown user', async () => {
    const users = createUserService({ dataDir });
    await users.add('alice');
    await expect(users.add('alice')).rejects.toMatchObject({ code: 'CONFLICT' });
    // Their files would be one on a file system that ignores case.
    await expect(users.add('Alice')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'User "alice" already exists; names may not differ only in case',
    });
    for (const bad of ['../x', 'a/b', '.hidden', 'a..b', '', 'x'.repeat(65)]) {
      await expect(users.add(bad)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    // chats/con.json would be the console on Windows.
    for (const device of ['con', 'NUL', 'Aux.team', 'com1', 'lpt9.x']) {
      await expect(users.add(device)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining('Windows keeps that name for a device'),
      });
    }
    for (const fine of ['console', 'nully', 'com', 'com10', 'a.con']) await users.add(fine);
    // Conversations already here under such a name (migrated): that user can still sign in.
    await fs.mkdir(path.join(dataDir, 'chats'), { recursive: true });
    await fs.writeFile(path.join(dataDir, 'chats', 'aux.json'), '[]');
    expect(await users.add('aux')).toMatch(/^[\w-]{43}$/);
    await expect(users.remove('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await users.list()).map((user) => user.name)).toEqual([
      'alice',
      'console',
      'nully',
      'com',
      'com10',
      'a.con',
      'aux',
    ]);
  });

  it('sees users added or removed by another process without a restart', async () => {
    const server = createUserService({ dataDir, statIntervalMs: 0 });
    const cli = createUserService({ dataDir });
    const token = await cli.add('alice');
    expect(await server.authenticate(token)).toBe('alice');
    await cli.remove('alice');
    expect(await server.authenticate(token)).toBeNull();
  });

  it("checks another process's changes at most once per interval", async () => {
    let clock = 0;
    const server = createUserService({ dataDir, statIntervalMs: 1_000, now: () => clock });
    const cli = createUserService({ dataDir });
    const token = await cli.add('alice');
    expect(await server.authenticate(token)).toBe('alice');
    await cli.remove('alice');
    clock = 999;
    expect(await server.authenticate(token)).toBe('alice');
    clock = 1_000;
    expect(await server.authenticate(token)).toBeNull();
  });

  it('sees its own changes at once, even with a check in flight', async () => {
    const users = createUserService({ dataDir, statIntervalMs: 1_000, now: () => 0 });
    const token = await users.add('alice');
    expect(await users.authenticate(token)).toBe('alice');
    const other = await users.add('bob');
    expect(await users.authenticate(other)).toBe('bob');
    const during = users.authenticate(token);
    await users.remove('alice');
    await during;
    expect(await users.authenticate(token)).toBeNull();
  });

  it('creates the default user only when there are no users at all', async () => {
    const users = createUserService({ dataDir });
    const created = await users.ensureDefaultUser();
    expect(created?.name).toBe('local');
    expect(await users.authenticate(created?.token)).toBe('local');
    expect(await users.ensureDefaultUser()).toBeNull();
  });

  it('serialises concurrent adds without losing one', async () => {
    const users = createUserService({ dataDir });
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const tokens = await Promise.all(names.map((name) => users.add(name)));
    expect((await users.list()).map((user) => user.name).sort()).toEqual(names);
    for (const [index, token] of tokens.entries()) {
      expect(await users.authenticate(token)).toBe(names[index]);
    }
  });

  it('refuses to use (and never overwrites) a corrupt users file', async () => {
    await fs.writeFile(usersFilePath(dataDir), '{ not json');
    const users = createUserService({ dataDir });
    await expect(users.add('alice')).rejects.toThrow(/not valid JSON/);
    expect(await fs.readFile(usersFilePath(dataDir), 'utf8')).toBe('{ not json');
  });
});

describe('threadline users', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, [
      '--import',
      'tsx',
      'src/main.ts',
      'users',
      ...args,
      '--data-dir',
      dataDir,
    ]);

  it('add prints the token alone on the last line; list and remove work', async () => {
    const { stdout } = await cli('add', 'erin');
    const token = stdout.trimEnd().split('\n').at(-1);
    expect(await createUserService({ dataDir }).authenticate(token)).toBe('erin');

    expect((await cli('list')).stdout).toMatch(/^erin\s+created /m);
    await cli('remove', 'erin');
    expect(await createUserService({ dataDir }).authenticate(token)).toBeNull();
  });

  it('loses no change when several processes change users at once', async () => {
    // Each service keeps its own cache and write queue, as a process does.
    const services = Array.from({ length: 7 }, () => createUserService({ dataDir }));
    const alice = await services[0]!.add('alice');
    const names = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    await Promise.all([
      services[6]!.remove('alice'),
      ...names.map((name, i) => services[i]!.add(name)),
    ]);
    const users = await createUserService({ dataDir }).list();
    expect(users.map((user) => user.name).sort()).toEqual(names);
    expect(await createUserService({ dataDir }).authenticate(alice)).toBeNull();
    await expect(fs.readdir(dataDir)).resolves.toEqual(['users.json']);
  });

  it('exits 1 with one line for a duplicate name, 2 for bad usage', async () => {
    await cli('add', 'erin');
    await expect(cli('add', 'erin')).rejects.toMatchObject({
      code: 1,
      stderr: 'threadline users: User "erin" already exists\n',
    });
    await expect(cli('frobnicate')).rejects.toMatchObject({ code: 2 });
  });

  it('says in one line that a data directory which is a file, or a users file that is a folder, cannot be used', async () => {
    const file = path.join(dataDir, 'a-file');
    await fs.writeFile(file, '');
    const users = ['--import', 'tsx', 'src/main.ts', 'users', 'add', 'erin'];
    await expect(run(process.execPath, [...users, '--data-dir', file])).rejects.toMatchObject({
      code: 1,
      stderr: `threadline: data directory ${file} cannot be used: it is not a folder\n`,
    });
    const list = (dir: string) => [
      '--import',
      'tsx',
      'src/main.ts',
      'users',
      'list',
      '--data-dir',
      dir,
    ];
    await expect(run(process.execPath, list(file))).rejects.toMatchObject({
      code: 1,
      stderr: `threadline: data directory ${file} cannot be used: it is not a folder\n`,
    });
    // A folder where the users file should be: named, not a bare EISDIR.
    await fs.mkdir(path.join(dataDir, 'users.json'));
    await expect(run(process.execPath, list(dataDir))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^threadline: \S+users\.json cannot be read: EISDIR/),
    });
  });

  it('prints the command list for --help with exit 0, and exit 2 with no command', async () => {
    const main = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args]);
    expect((await main('--help')).stdout).toMatch(/^Usage: threadline <command>/);
    await expect(main()).rejects.toMatchObject({ code: 2 });
  });
});
