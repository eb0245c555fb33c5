/** Index files that name one user twice: `alice.json` beside `alice.JSON`. */
import { readdir, writeFile } from 'node:fs/promises';
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

  it("in place, do not take the store's own {user}.json for a rival, and read alice.JSON again", async () => {
    // In place: the legacy folder is the data directory's own chats/.
    const layout = await emptyLayout(temp.path, path.join(temp.path, 'data', 'chats'));
    const { dataDir } = layout;
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

  it("in place, migrate the threads the old app's alice.json lists besides alice.JSON's", async () => {
    // In place: the legacy folder is the data directory's own chats/.
    const layout = await emptyLayout(temp.path, path.join(temp.path, 'data', 'chats'));
    const { dataDir } = layout;
    const entries = (...ids: string[]) =>
      JSON.stringify(Object.fromEntries(ids.map((id) => [id, JSON.parse(index(id))[id]])));
    await writeFile(path.join(layout.legacyDir, 'alice.json'), entries('thread_a', 'thread_c'));
    await writeFile(path.join(layout.legacyDir, 'alice.JSON'), entries('thread_b', 'thread_c'));
    if ((await readdir(layout.legacyDir)).length < 2) return;
    for (const id of ['thread_a', 'thread_b', 'thread_c']) {
      const message = { id: `msg_${id}`, created_at: T + 1, role: 'user', content: [] };
      await writeFile(path.join(layout.messagesDir, `${id}.json`), JSON.stringify([message]));
    }
    const first = await migrate(layout);
    // thread_a's export is listed (by alice.json), and thread_a migrated with it.
    expect(first.failures).toEqual([]);
    expect(first.totals).toMatchObject({ threads: 3, conversationsAdded: 3, messagesAdded: 3 });
    const alice = await storedConversations(dataDir, 'alice');
    expect([...alice.values()].map((item) => [item.data.id, item.messages.length])).toEqual(
      expect.arrayContaining([
        ['thread_a', 1],
        ['thread_b', 1],
        ['thread_c', 1],
      ]),
    );
    expect((await migrate(layout, 'verify')).verify).toMatchObject({
      checkedConversations: 3,
      problems: [],
    });
    const again = await migrate(layout);
    expect(again.failures).toEqual([]);
    expect(again.totals).toMatchObject({ threads: 3, conversationsUnchanged: 3 });
  });
});
