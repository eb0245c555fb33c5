/** The backup and the report are whole or plainly not: a crash never leaves one looking done. */

import { spawn } from 'node:child_process';
import {
  chmod,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOriginals } from '../../src/migrate/backup.js';
import { totalsOf, writeReportFile } from '../../src/migrate/report.js';
import type { MigrationReport } from '../../src/migrate/types.js';
import { useTempDir } from '../helpers/temp-dir.js';

const temp = useTempDir('threadline-migrate-atomic-');
const NOW = new Date('2026-01-02T03:04:05.678Z');

async function dataWithChats(root: string) {
  const dataDir = path.join(root, 'data');
  await mkdir(path.join(dataDir, 'chats'), { recursive: true });
  await writeFile(path.join(dataDir, 'chats', 'alice.json'), '{}');
  return dataDir;
}

describe('the backup of the originals', () => {
  it('is made under a .partial name and renamed once complete', async () => {
    const dataDir = await dataWithChats(temp.path);
    const index = path.join(temp.path, 'alice.json');
    await writeFile(index, '{"thread_a":{}}');
    const done = await backupOriginals(
      dataDir,
      {
        dirs: [{ name: 'chats', dir: path.join(dataDir, 'chats') }],
        files: [{ name: 'legacy', file: index }],
      },
      NOW,
    );
    expect(await readdir(path.join(dataDir, 'migration-backup'))).toEqual([path.basename(done)]);
    expect(path.basename(done)).toBe('2026-01-02T03-04-05-678Z');
    expect(await readFile(path.join(done, 'legacy', 'alice.json'), 'utf8')).toBe('{"thread_a":{}}');
  });

  it('cut short, is left only under its .partial name', async () => {
    const dataDir = await dataWithChats(temp.path);
    // A folder where a file should be: the copy fails part-way.
    const unreadable = path.join(temp.path, 'bob.json');
    await mkdir(unreadable);
    const sources = {
      dirs: [{ name: 'chats', dir: path.join(dataDir, 'chats') }],
      files: [{ name: 'legacy', file: unreadable }],
    };
    await expect(backupOriginals(dataDir, sources, NOW)).rejects.toThrow();
    expect(await readdir(path.join(dataDir, 'migration-backup'))).toEqual([
      '2026-01-02T03-04-05-678Z.partial',
    ]);
  });
});

describe('the --report file', () => {
  const report: MigrationReport = {
    source: 'assistants',
    mode: 'migrate',
    status: 'complete',
    startedAt: NOW.toISOString(),
    durationMs: 1,
    dataDir: '/data',
    backupPath: null,
    totals: totalsOf([]),
    users: [],
    failures: [],
    verify: null,
  };

  it('replaces an earlier report whole rather than writing over it in place', async () => {
    const file = path.join(temp.path, 'report.json');
    await writeFile(file, 'an earlier report');
    // Another name for the same file: written in place, it would change too.
    await link(file, path.join(temp.path, 'same-file.json'));
    await writeReportFile(file, report);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
    expect(await readFile(path.join(temp.path, 'same-file.json'), 'utf8')).toBe(
      'an earlier report',
    );
    expect((await readdir(temp.path)).sort()).toEqual(['report.json', 'same-file.json']);
  });

  it('replaces the file a symbolic link leads to, keeping its mode', async () => {
    const file = path.join(temp.path, 'reports', 'real.json');
    const link = path.join(temp.path, 'latest.json');
    await mkdir(path.dirname(file));
    await writeFile(file, 'an earlier report');
    await chmod(file, 0o644);
    await symlink(file, link);
    await writeReportFile(link, report);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
  });

  it('creates the file a symbolic link leads to when there is none yet, as `>` does', async () => {
    const reports = path.join(temp.path, 'reports');
    await mkdir(reports);
    const link = path.join(temp.path, 'latest.json');
    // Relative, so taken from the link's folder; through a second link, also leading nowhere.
    await symlink('reports/next.json', path.join(temp.path, 'next.json'));
    await symlink('next.json', link);
    await writeReportFile(link, report);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await lstat(path.join(temp.path, 'next.json'))).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(path.join(reports, 'next.json'), 'utf8'))).toEqual(report);
  });

  it('is written to a device as it is', async () => {
    await expect(writeReportFile('/dev/null', report)).resolves.toBeUndefined();
  });

  it('goes after what standard output already holds when that is a file', async () => {
    const out = path.join(temp.path, 'out.txt');
    await writeFile(out, 'the summary\n');
    // A child whose standard output is that file, opened for appending as `>>` does.
    const script = `import('${path.resolve('src/migrate/report.ts')}').then((m) => m.writeReportFile('/dev/stdout', ${JSON.stringify(report)}))`;
    const handle = await open(out, 'a');
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
          stdio: ['ignore', handle.fd, 'inherit'],
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
      });
    } finally {
      await handle.close();
    }
    const written = await readFile(out, 'utf8');
    expect(written.startsWith('the summary\n')).toBe(true);
    expect(JSON.parse(written.slice('the summary\n'.length))).toEqual(report);
  });
});
