import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { run } from '../../src/cli/migrate.js';
import { silentLogger } from '../../src/logger.js';
import { createProgress } from '../../src/migrate/progress.js';
import type { MigrationReport } from '../../src/migrate/types.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { createUserService } from '../../src/services/users.js';
import { startTestEmulator } from '../helpers/emulator.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { copyFixtures, type Layout, storedConversations } from './support.js';

const temp = useTempDir('threadline-cli-');
const ROOT = path.resolve(import.meta.dirname, '../..');

let log: MockInstance;
let error: MockInstance;
beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  error = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

/** Progress lines are checked on the spawned command; here they would only be noise. */
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const runQuiet = (argv: string[]) => run(argv, quiet);
const printed = (spy: MockInstance) => spy.mock.calls.map((call) => String(call[0])).join('\n');
const flags = (layout: Layout) => [
  '--legacy',
  layout.legacyDir,
  '--messages',
  layout.messagesDir,
  '--data-dir',
  layout.dataDir,
];

describe('threadline migrate', () => {
  it('documents every flag and the exit codes', async () => {
    expect(await runQuiet(['--help'])).toBe(0);
    const help = printed(log);
    for (const flag of ['--legacy', '--data-dir', '--messages', '--fetch', '--from', '--user']) {
      expect(help).toContain(flag);
    }
    for (const flag of [
      '--dry-run',
      '--verify',
      '--restore-deleted',
      '--report',
      '--concurrency',
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n(.*\n)* {2}2 .*\n {2}3 /);
  });

  it('exits 2 on a usage error, before touching anything', async () => {
    const layout = await copyFixtures(temp.path);
    expect(await runQuiet([...flags(layout), '--dry-run', '--verify'])).toBe(2);
    expect(await runQuiet(['--nope'])).toBe(2);
    expect(await runQuiet(['--from', 'chatgpt', 'conversations.json'])).toBe(2);
    expect(await runQuiet([...flags(layout), '--concurrency', '0'])).toBe(2);
    expect(printed(error)).toContain('--from chatgpt needs --user NAME');
    // A report that could not be written is refused up front, not after the migration.
    const nowhere = path.join(temp.path, 'no-such-dir', 'report.json');
    expect(await runQuiet([...flags(layout), '--report', nowhere])).toBe(2);
    expect(printed(error)).toContain(`--report ${nowhere}:`);
    // An existing folder is no place for the report either.
    expect(await runQuiet([...flags(layout), '--report', temp.path])).toBe(2);
    expect(printed(error)).toContain(`--report ${temp.path} is a folder`);
    // Nor a path under a file.
    const underFile = path.join(layout.legacyDir, 'alice.json', 'report.json');
    expect(await runQuiet([...flags(layout), '--report', underFile])).toBe(2);
    expect(printed(error)).toContain(`--report ${underFile}: ENOTDIR`);
    // A name the store would refuse is a usage error, not "no index for that user".
    expect(await runQuiet([...flags(layout), '--user', 'josé'])).toBe(2);
    expect(printed(error)).toContain('--user: Invalid username "josé"');
    expect((await storedConversations(layout.dataDir, 'alice')).size).toBe(0);
    await expect(stat(layout.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 3 with one line when the data directory or a source folder cannot be used', async () => {
    const layout = await copyFixtures(temp.path);
    const file = path.join(temp.path, 'a-file');
    await writeFile(file, 'not a folder');
    expect(await runQuiet([...flags(layout), '--data-dir', file])).toBe(3);
    expect(printed(error)).toBe(
      `threadline migrate: data directory ${file} cannot be used: ENOTDIR: not a directory, mkdir '${file}/chats'`,
    );
    // A dry run and a verification refuse it alike.
    for (const mode of ['--dry-run', '--verify']) {
      error.mockClear();
      expect(await runQuiet([...flags(layout), '--data-dir', file, mode])).toBe(3);
      expect(printed(error)).toBe(
        `threadline migrate: data directory ${file} cannot be used: it is not a folder`,
      );
    }
    // So is a ChatGPT export that is a folder.
    error.mockClear();
    expect(await runQuiet(['--from', 'chatgpt', '--user', 'erin', temp.path])).toBe(3);
    expect(printed(error)).toBe(
      `threadline migrate: ChatGPT export ${temp.path} does not exist or is not a file`,
    );
    error.mockClear();
    expect(await runQuiet([...flags(layout), '--messages', file])).toBe(3);
    expect(printed(error)).toBe(
      `threadline migrate: messages folder ${file} does not exist or is not a folder`,
    );
    expect(await readFile(file, 'utf8')).toBe('not a folder');
  });

  it('prints what a dry run would change, then migrates and verifies', async () => {
    const layout = await copyFixtures(temp.path);
    await rm(path.join(layout.legacyDir, 'carol.json'));

    expect(await runQuiet([...flags(layout), '--dry-run'])).toBe(1);
    const dry = printed(log);
    expect(dry).toContain('+ thread_pages "Array of pages" (5 messages)');
    expect(dry).toContain('+ thread_noexport "Never exported" (index only, no messages)');
    expect(dry).toMatch(/Dry run, nothing written: 2 users, 9 threads, 9 conversations to add/);

    log.mockClear();
    const reportFile = path.join(temp.path, 'report.json');
    expect(await runQuiet([...flags(layout), '--report', reportFile])).toBe(1);
    expect(printed(log)).toMatch(
      /failed: alice .*thread_corrupt\.json thread_corrupt: export unreadable/,
    );
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as MigrationReport;
    expect(report).toMatchObject({ mode: 'migrate', status: 'partial' });
    expect(report.totals.messagesAdded).toBe(20);

    log.mockClear();
    expect(await runQuiet([...flags(layout), '--verify'])).toBe(1); // the corrupt export cannot be checked
    expect(printed(log)).toMatch(/verify: 9 conversations, 20 messages checked, 0 problems/);
  });

  it('migrates one user alone with --user', async () => {
    const layout = await copyFixtures(temp.path);
    expect(await runQuiet([...flags(layout), '--user', 'bob'])).toBe(0);
    expect(printed(log)).toMatch(/^bob: 1 thread; added 1 conversation, updated 0, 2 messages/m);
    expect(printed(log)).not.toContain('alice');
    // Migrated, but with no sign-in to see it by: the operator is told how to make one.
    expect(printed(log)).toContain('No sign-in yet for bob: make one each with');
    log.mockClear();
    await createUserService({ dataDir: layout.dataDir }).add('bob');
    expect(await runQuiet([...flags(layout), '--user', 'bob'])).toBe(0);
    expect(printed(log)).not.toContain('No sign-in');
    expect(await runQuiet([...flags(layout), '--user', 'nobody'])).toBe(3);
  });

  it('says which deleted conversations it left out, and brings them back with --restore-deleted', async () => {
    const layout = await copyFixtures(temp.path);
    const args = [...flags(layout), '--user', 'bob'];
    expect(await runQuiet(args)).toBe(0);
    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await store.open();
    await store.deleteConversation('bob', 'thread_bob');
    await store.close();

    log.mockClear();
    expect(await runQuiet(args)).toBe(0);
    expect(printed(log)).toMatch(
      /^bob: .*added 0 conversations.*; 1 conversation deleted by the user left out$/m,
    );
    log.mockClear();
    expect(await runQuiet([...args, '--verify'])).toBe(0);
    expect(printed(log)).toMatch(
      /verify: 1 conversation \(1 deleted by their users\), 0 messages checked, 0 problems/,
    );
    expect(await runQuiet([...args, '--restore-deleted'])).toBe(0);
    expect((await storedConversations(layout.dataDir, 'bob')).has('thread_bob')).toBe(true);
  });

  it('fetches threads from the API named by OPENAI_BASE_URL with --fetch', async () => {
    const layout = await copyFixtures(temp.path);
    const upstream = await startTestEmulator();
    try {
      upstream.emulator.seedThread('thread_bob', [
        { id: 'msg_f1', role: 'user', content: 'fetched question' },
        { id: 'msg_f2', role: 'assistant', content: 'fetched answer' },
      ]);
      const args = ['--legacy', layout.legacyDir, '--data-dir', layout.dataDir, '--user', 'bob'];
      vi.stubEnv('OPENAI_API_KEY', '');
      expect(await runQuiet([...args, '--fetch'])).toBe(2);
      expect(printed(error)).toContain('--fetch needs OPENAI_API_KEY');

      vi.stubEnv('OPENAI_API_KEY', 'test-key');
      vi.stubEnv('OPENAI_BASE_URL', upstream.baseURL);
      expect(await runQuiet([...args, '--fetch'])).toBe(0);
      const bob = await storedConversations(layout.dataDir, 'bob');
      expect(bob.get('thread_bob')?.messages.map((m) => m.text)).toEqual([
        'fetched question',
        'fetched answer',
      ]);
    } finally {
      vi.unstubAllEnvs();
      await upstream.close();
    }
  });

  it('exits 3 with a clear message while the data directory is in use', async () => {
    const layout = await copyFixtures(temp.path);
    const server = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await server.open();
    try {
      expect(await runQuiet(flags(layout))).toBe(3);
    } finally {
      await server.close();
    }
    expect(printed(error)).toMatch(/data directory .* is in use by process \d+/);
  });

  it('runs as a command: plain progress lines when not on a terminal, exit code on the process', async () => {
    const layout = await copyFixtures(temp.path);
    const result = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'migrate', ...flags(layout)],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: '' } },
    ).catch((failure: { code: number; stdout: string; stderr: string }) => failure);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toMatch(/^\d+\/9 threads \(\d+%\)$/m);
    expect(result.stdout).toMatch(/Status: partial \(4 failures\)/);
  });
});

describe('progress', () => {
  const sink = (tty: boolean) => {
    const chunks: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          chunks.push(String(chunk));
          done();
        },
      }),
      { isTTY: tty },
    );
    return { stream, text: () => chunks.join('') };
  };

  it('redraws a bar on a terminal and writes plain lines otherwise', () => {
    const tty = sink(true);
    const plain = sink(false);
    for (const { stream } of [tty, plain]) {
      const progress = createProgress(4, 'threads', stream);
      for (let i = 0; i < 4; i++) progress.advance();
      progress.finish();
    }
    expect(tty.text()).toContain('\r[##############################] 100% 4/4 threads');
    expect(plain.text()).toBe(
      '1/4 threads (25%)\n2/4 threads (50%)\n3/4 threads (75%)\n4/4 threads (100%)\n',
    );
  });
});
