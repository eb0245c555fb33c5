/**
 * A new journal whose directory entry cannot be made durable: the change is refused, and nothing
 * of it is left on disk to come back at the next load.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { useTempDir } from '../helpers/temp-dir.js';

const failing = vi.hoisted(() => ({ next: false }));
vi.mock('../../src/services/store/atomic-file.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/services/store/atomic-file.js')>();
  return {
    ...original,
    fsyncDir: async (dir: string) => {
      if (failing.next) {
        failing.next = false;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      }
      return original.fsyncDir(dir);
    },
  };
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
