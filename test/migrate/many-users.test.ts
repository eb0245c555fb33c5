/** Each user is folded into its own snapshot, however many users there are. */
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { emptyLayout, migrate, storedConversations } from './support.js';

const temp = useTempDir('threadline-migrate-users-');
const T = 1_700_000_000;
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];

async function layoutIn(root: string) {
  const layout = await emptyLayout(root);
  for (const user of USERS) {
    const id = `thread_${user}`;
    const entry = { data: { id, object: 'thread', created_at: T }, chat_name: user };
    await writeFile(path.join(layout.legacyDir, `${user}.json`), JSON.stringify({ [id]: entry }));
    const message = {
      id: `msg_${user}`,
      created_at: T + 1,
      role: 'user',
      content: [{ type: 'text', text: { value: `hello from ${user}`, annotations: [] } }],
    };
    await writeFile(path.join(layout.messagesDir, `${id}.json`), JSON.stringify([message]));
  }
  return layout;
}

const chatsOf = async (dataDir: string) => (await readdir(path.join(dataDir, 'chats'))).sort();

describe('a migration of more users than the store keeps in memory', () => {
  it('leaves every user folded into its snapshot, with no journal', async () => {
    const layout = await layoutIn(temp.path);
    const report = await migrate(layout);
    expect(report.status).toBe('complete');
    expect(await chatsOf(layout.dataDir)).toEqual(
      USERS.flatMap((user) => [`${user}.json`, `${user}.json.bak`]),
    );
    for (const user of USERS) {
      const snapshot = JSON.parse(
        await readFile(path.join(layout.dataDir, 'chats', `${user}.json`), 'utf8'),
      );
      expect(snapshot[`thread_${user}`].messages[0].text).toBe(`hello from ${user}`);
    }
  });

  it('rebuilds the snapshot of a user left with only journal.old by a fold cut short', async () => {
    const layout = await layoutIn(temp.path);
    await migrate(layout);
    // The first fold of a new user renames its journal to journal.old, then writes the
    // snapshot: killed in between, only journal.old is left.
    const chats = path.join(layout.dataDir, 'chats');
    const migrated = await storedConversations(layout.dataDir, 'u1');
    for (const suffix of ['.json', '.json.bak']) {
      await rename(path.join(chats, `u1${suffix}`), path.join(temp.path, `u1${suffix}`));
    }
    const writer = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await writer.putConversations('u1', [...migrated.values()]);
    await rename(path.join(chats, 'u1.journal'), path.join(chats, 'u1.journal.old'));

    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ conversationsAdded: 0, messagesAdded: 0 });
    expect(again.backupPath).not.toBeNull();
    expect(await chatsOf(layout.dataDir)).toEqual(
      USERS.flatMap((user) => [`${user}.json`, `${user}.json.bak`]),
    );
    expect(await storedConversations(layout.dataDir, 'u1')).toEqual(migrated);
  });

  it('reports a user whose fold failed, and keeps its writes in the journal', async () => {
    const layout = await layoutIn(temp.path);
    const spy = vi
      .spyOn(JsonConversationStore.prototype, 'release')
      .mockRejectedValueOnce(new Error('no space left on device'));
    try {
      const report = await migrate(layout);
      expect(report.status).toBe('partial');
      expect(report.failures).toEqual([
        {
          user: 'u1',
          file: path.join(layout.legacyDir, 'u1.json'),
          thread: null,
          reason: expect.stringMatching(/kept in the journals\): no space left on device$/),
        },
      ]);
    } finally {
      spy.mockRestore();
    }
    expect((await storedConversations(layout.dataDir, 'u1')).size).toBe(1);
  });
});
