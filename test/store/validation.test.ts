import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { ValidationError } from '../../src/services/errors.js';
import { validateId, validateUsername } from '../../src/services/store/validate.js';
import type { StoredConversation } from '../../src/services/types.js';
import { useTempDir } from '../helpers/temp-dir.js';

const BAD_USERNAMES = [
  '../x',
  '..',
  'a/b',
  'a\\b',
  '/etc/passwd',
  '',
  'a\0b',
  'x'.repeat(65),
  '.hidden',
  'a..b',
  ' space',
  'new\nline',
];
const BAD_IDS = ['../x', 'a/b', '', 'a\0', 'x'.repeat(129), 'a.b', '..', 'ü'];

/** Every file and directory under `root`, relative to it. */
async function tree(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true });
  return entries.map(String).sort();
}

describe('validation', () => {
  it('accepts the documented shapes', () => {
    for (const name of ['alice', 'Bob_2', 'a', 'first.last@example.com', 'x'.repeat(64), 'a-b']) {
      expect(validateUsername(name)).toBe(name);
    }
    for (const id of ['conv_0123456789abcdef01234567', 'thread_abc-DEF', 'x'.repeat(128)]) {
      expect(validateId(id)).toBe(id);
    }
  });

  it.each(BAD_USERNAMES)('refuses username %j with a clear message', (name) => {
    expect(() => validateUsername(name)).toThrow(ValidationError);
    expect(() => validateUsername(name)).toThrow(/^Invalid username .*letters, digits/);
  });

  it.each(BAD_IDS)('refuses id %j', (id) => {
    expect(() => validateId(id, 'conversation id')).toThrow(/^Invalid conversation id /);
  });
});

describe('path traversal through the store', () => {
  const temp = useTempDir();
  let dataDir: string;
  let store: JsonConversationStore;

  beforeEach(async () => {
    dataDir = path.join(temp.path, 'data');
    store = new JsonConversationStore({ dataDir, logger: silentLogger });
    await store.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('refuses bad usernames and ids in every method and touches no file', async () => {
    const before = await tree(temp.path);
    const message = { role: 'user' as const, text: 'x' };
    const calls = (user: string, id: string) => [
      () => store.createConversation(user, 'c', { id }),
      () => store.getConversation(user, id),
      () => store.listConversations(user),
      () => store.addMessage(user, id, message),
      () => store.updateMessage(user, id, id, { text: 'y' }),
      () => store.getLastResponseId(user, id),
      () => store.updateConversationMetadata(user, id, {}),
      () => store.renameConversation(user, id, 'n'),
      () => store.deleteConversation(user, id),
    ];
    const attempts = [
      ...BAD_USERNAMES.flatMap((user) => calls(user, 'c1')),
      ...BAD_IDS.flatMap((id) => calls('alice', id).filter((_, i) => i !== 2)),
      () => store.addMessage('alice', 'c1', { ...message, id: '../m' }),
      () =>
        store.putConversations('../escape', [
          {
            data: { id: 'c1', created_at: 1, metadata: {}, object: 'conversation' },
            chat_name: 'c',
            last_update: 1,
            messages: [],
            last_response_id: null,
          },
        ]),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toThrow(ValidationError);
    }
    expect(await tree(temp.path)).toEqual(before);
    expect(await store.listUsers()).toEqual([]);
  });

  it('refuses values that would make a journal line unreadable, before writing anything', async () => {
    const { data } = await store.createConversation('alice', 'c', { id: 'c1' });
    const journal = path.join(dataDir, 'chats', 'alice.journal');
    const before = await fs.readFile(journal, 'utf8');
    const bad = [
      () => store.addMessage('alice', data.id, { role: 'user', text: 'x', timestamp: Number.NaN }),
      () => store.addMessage('alice', data.id, { role: 'robot' as 'user', text: 'x' }),
      () => store.addMessage('alice', data.id, { role: 'user', text: 42 as unknown as string }),
      () =>
        store.updateConversationMetadata('alice', data.id, {
          last_update: '1' as unknown as number,
        }),
      () =>
        store.updateConversationMetadata('alice', data.id, {
          metadata: [] as unknown as Record<string, unknown>,
        }),
      () => store.renameConversation('alice', data.id, null as unknown as string),
      () => store.createConversation('alice', 'c', { createdAt: Number.POSITIVE_INFINITY }),
      () =>
        store.putConversations('alice', [
          { data: { id: 'c2' }, chat_name: 'c', messages: [] } as unknown as StoredConversation,
        ]),
    ];
    for (const attempt of bad) await expect(attempt()).rejects.toThrow(ValidationError);
    expect(await fs.readFile(journal, 'utf8')).toBe(before);
  });

  it('keeps a change that cannot be encoded out of the document too', async () => {
    const { data } = await store.createConversation('alice', 'c', { id: 'c1' });
    await expect(
      store.updateConversationMetadata('alice', data.id, { metadata: { n: 1n } }),
    ).rejects.toThrow(TypeError);
    expect((await store.getConversation('alice', data.id))?.data.metadata).toEqual({});
  });
});
