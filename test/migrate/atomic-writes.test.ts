/** The backup and the report are whole or plainly not: a crash never leaves one looking done. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOriginals } from '../../src/migrate/backup.js';
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
