/** Index files that name one user twice: `alice.json` beside `alice.JSON`. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { emptyLayout, migrate, storedConversations } from './support.js';

const temp = useTempDir('threadline-migrate-names-');
const T = 1_700_000_000;
const index = (id: string) =>
  JSON.stringify({ [id]: { data: { id, object: 'thread', created_at: T }, chat_name: id } });

describe('index files naming one user', () => {
  it('are refused as two files for that user, not as a case twin of itself', async () => {
    const layout = await emptyLayout(temp.path);
    await writeFile(path.join(layout.legacyDir, 'alice.json'), index('thread_a'));
    await writeFile(path.join(layout.legacyDir, 'alice.JSON'), index('thread_b'));
    // Two entries where names differ in case; one where they do not (the test is moot there).
    if ((await readdir(layout.legacyDir)).length < 2) return;
    const report = await migrate(layout);
    expect(
      report.failures.map((failure) => [path.basename(failure.file!), failure.reason]),
    ).toEqual([
      ['alice.JSON', '2 index files name user "alice" (alice.JSON, alice.json): keep one'],
      ['alice.json', '2 index files name user "alice" (alice.JSON, alice.json): keep one'],
    ]);
  });

  it("in place, leave the store's own {user}.json to it and read alice.JSON again", async () => {
    const root = temp.path;
    const dataDir = path.join(root, 'data');
    const layout = {
      ...(await emptyLayout(root)),
      dataDir,
      legacyDir: path.join(dataDir, 'chats'),
    };
    await mkdir(layout.legacyDir, { recursive: true });
    await writeFile(path.join(layout.legacyDir, 'alice.JSON'), index('thread_a'));
    const first = await migrate(layout);
    expect(first.totals).toMatchObject({ conversationsAdded: 1 });
    if (
      (await readdir(layout.legacyDir)).filter((name) => /^alice\.json$/i.test(name)).length < 2
    ) {
      return;
    }
    const again = await migrate(layout);
    expect(again.failures).toEqual([]);
    expect(again.totals).toMatchObject({ users: 1, threads: 1, conversationsUnchanged: 1 });
    expect((await storedConversations(dataDir, 'alice')).has('thread_a')).toBe(true);
  });
});
