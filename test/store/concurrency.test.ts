import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { useTempDir } from '../helpers/temp-dir.js';

const temp = useTempDir();
const stores: JsonConversationStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function newStore(options: { cacheSize?: number; compactBytes?: number } = {}) {
  const store = new JsonConversationStore({ dataDir: temp.path, logger: silentLogger, ...options });
  stores.push(store);
  return store;
}

describe('concurrent writes', () => {
  it('500 concurrent addMessage calls for one user all land, once each, after a reload', async () => {
    const writer = newStore();
    await writer.createConversation('alice', 'busy', { id: 'c1' });
    const added = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        writer.addMessage('alice', 'c1', { role: 'user', text: `message ${i}` }),
      ),
    );
    // One line for the creation, then a header and a message line per call.
    const journal = await fs.readFile(path.join(temp.path, 'chats', 'alice.journal'), 'utf8');
    expect(journal.trim().split('\n')).toHaveLength(1 + 500 * 2);

    // A second instance over the same files, as after a crash: nothing was closed or compacted.
    const reader = newStore();
    const messages = (await reader.getConversation('alice', 'c1'))?.messages ?? [];
    expect(messages).toHaveLength(500);
    expect(new Set(messages.map((m) => m.id))).toEqual(new Set(added.map((m) => m.id)));
    expect(messages.map((m) => m.text).sort()).toEqual(
      Array.from({ length: 500 }, (_, i) => `message ${i}`).sort(),
    );
  });

  it('writes for different users proceed independently and all land', async () => {
    const store = newStore();
    const users = Array.from({ length: 12 }, (_, i) => `user${i}`);
    await Promise.all(users.map((user) => store.createConversation(user, 'c', { id: 'c1' })));
    await Promise.all(
      users.flatMap((user) =>
        Array.from({ length: 25 }, (_, i) =>
          store.addMessage(user, 'c1', { role: 'user', text: `${i}` }),
        ),
      ),
    );
    const reader = newStore();
    for (const user of users) {
      expect((await reader.getConversation(user, 'c1'))?.messages).toHaveLength(25);
    }
    expect(await reader.listUsers()).toEqual([...users].sort());
  });

  it('stays correct when the cache is smaller than the set of busy users', async () => {
    const store = newStore({ cacheSize: 1 });
    const users = ['u1', 'u2', 'u3', 'u4'];
    await Promise.all(users.map((user) => store.createConversation(user, 'c', { id: 'c1' })));
    // Interleaved users evict each other while appends are in flight. Each rename returns the
    // whole conversation, which must hold every message queued before it for that user.
    const renames = Array.from({ length: 40 }, (_, round) =>
      users.map(async (user) => {
        const adds = [0, 1].map((k) =>
          store.addMessage(user, 'c1', { role: 'user', text: `${round}.${k}` }),
        );
        const renamed = await store.renameConversation(user, 'c1', `round ${round}`);
        await Promise.all(adds);
        return renamed.messages.map((m) => m.text);
      }),
    );
    const results = await Promise.all(renames.flat());
    results.forEach((texts, index) => {
      const round = Math.floor(index / users.length);
      const expected = Array.from({ length: round + 1 }, (_, r) => [`${r}.0`, `${r}.1`]).flat();
      expect(texts).toEqual(expected);
    });
    const reader = newStore();
    for (const user of users) {
      expect((await reader.getConversation(user, 'c1'))?.messages).toHaveLength(80);
    }
  });

  it('keeps accepting writes while compacting in the background', async () => {
    const store = newStore({ compactBytes: 2048 });
    await store.createConversation('alice', 'c', { id: 'c1' });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        store.addMessage('alice', 'c1', { role: 'user', text: `${i}` }),
      ),
    );
    await store.close();
    const reader = newStore();
    const texts = (await reader.getConversation('alice', 'c1'))?.messages.map((m) => m.text);
    expect(texts).toEqual(Array.from({ length: 300 }, (_, i) => `${i}`));
  });
});
