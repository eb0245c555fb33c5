/**
 * A new journal whose directory entry cannot be made durable: the change is refused, and nothing
 * of it is left on disk to come back at the next load.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { useTempDir } from '../helpers/temp-dir.js';

const failing = vi.hoisted(() => ({ next: false }));
// The next sync of a directory opened for syncing (the chats directory) fails, once.
vi.mock('node:fs', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs')>();
  const open: typeof original.promises.open = async (file, flags, mode) => {
    const handle = await original.promises.open(file, flags, mode);
    if (failing.next && flags === 'r' && String(file).endsWith('chats')) {
      failing.next = false;
      handle.sync = async () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      };
    }
    return handle;
  };
  return { ...original, promises: { ...original.promises, open } };
});

const tmp = useTempDir();
let stores: JsonConversationStore[] = [];
afterEach(async () => {
  for (const store of stores) await store.close().catch(() => {});
  stores = [];
});

async function openStore(): Promise<JsonConversationStore> {
  const store = new JsonConversationStore({ dataDir: tmp.path, logger: silentLogger });
  await store.open();
  stores.push(store);
  return store;
}

it('takes back the first append of a journal whose directory entry cannot be synced', async () => {
  const store = await openStore();
  failing.next = true;
  await expect(store.createConversation('alice', 'Never acknowledged')).rejects.toThrow(/EIO/);
  await store.close();
  stores = [];

  const reopened = await openStore();
  expect(await reopened.listConversations('alice')).toEqual([]);
  // The next change, on a directory that syncs again, is kept.
  await reopened.createConversation('alice', 'Acknowledged');
  await reopened.close();
  stores = [];
  const again = await openStore();
  expect((await again.listConversations('alice')).map((c) => c.chat_name)).toEqual([
    'Acknowledged',
  ]);
});
