/** A message that cannot be migrated as it is costs only itself, and is reported with its file. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { emptyLayout, type Layout, migrate, storedConversations, writeLegacy } from './support.js';

const temp = useTempDir('threadline-migrate-messages-');
const T = 1_700_000_000;

const message = (id: string, text: string, at: number, extra = {}) => ({
  id,
  object: 'thread.message',
  created_at: at,
  role: 'user',
  content: [{ type: 'text', text: { value: text, annotations: [] } }],
  ...extra,
});

/** One user, alice, whose index lists `exports`' threads, each export a bare array. */
async function layoutWith(root: string, exports: Record<string, unknown[]>): Promise<Layout> {
  const layout = await emptyLayout(root);
  const index = Object.fromEntries(
    Object.keys(exports).map((id) => [id, { data: { id, created_at: T }, chat_name: id }]),
  );
  await writeLegacy(layout, index, exports);
  return layout;
}

const idsIn = async (layout: Layout, thread: string) =>
  (await storedConversations(layout.dataDir, 'alice')).get(thread)?.messages.map((m) => m.id);

describe('messages that cannot be migrated as they are', () => {
  it('a message whose id the store cannot take is left out and reported, not its thread', async () => {
    const layout = await layoutWith(temp.path, {
      thread_badid: [
        message('msg_b1', 'question one', T + 1),
        message('msg_b2', 'answer one', T + 2),
        message('msg.b3', 'odd id', T + 3),
      ],
    });
    const report = await migrate(layout);
    expect(await idsIn(layout, 'thread_badid')).toEqual(['msg_b1', 'msg_b2']);
    expect(report.failures).toEqual([
      {
        user: 'alice',
        file: path.join(layout.messagesDir, 'thread_badid.json'),
        thread: 'thread_badid',
        reason: expect.stringMatching(/^message "msg\.b3": id is not letters/),
      },
    ]);
    expect(report.status).toBe('partial');
  });
});

describe('copies of one message', () => {
  it('keep the first and report a copy that says otherwise, but not an identical one', async () => {
    const layout = await layoutWith(temp.path, {
      thread_dup: [
        message('msg_c1', 'first text', T + 1),
        message('msg_c1', 'second, different text', T + 2),
        message('msg_c2', 'same twice', T + 3),
        message('msg_c2', 'same twice', T + 3),
      ],
    });
    const report = await migrate(layout);
    const stored = (await storedConversations(layout.dataDir, 'alice')).get('thread_dup');
    expect(stored?.messages.map((m) => m.text)).toEqual(['first text', 'same twice']);
    expect(report.failures).toEqual([
      {
        user: 'alice',
        file: path.join(layout.messagesDir, 'thread_dup.json'),
        thread: 'thread_dup',
        reason:
          'message msg_c1: another copy differs from the one kept (the first listed) and is not migrated',
      },
    ]);
  });
});

describe('files named or filed otherwise', () => {
  it('reads an index whose extension is in capitals, and reports an export so named', async () => {
    const layout = await layoutWith(temp.path, { thread_a: [message('msg_a', 'a', T + 1)] });
    const entry = { data: { id: 'thread_c', created_at: T }, chat_name: 'Carol' };
    await writeFile(path.join(layout.legacyDir, 'carol.JSON'), JSON.stringify({ thread_c: entry }));
    const shouted = path.join(layout.messagesDir, 'thread_c.JSON');
    await writeFile(shouted, JSON.stringify([message('msg_c', 'c', T + 1)]));

    const report = await migrate(layout);
    expect(report.users.map((user) => user.user)).toEqual(['alice', 'carol']);
    expect([...(await storedConversations(layout.dataDir, 'carol')).keys()]).toEqual(['thread_c']);
    expect(report.failures).toEqual([
      {
        user: null,
        file: shouted,
        thread: 'thread_c',
        reason: expect.stringMatching(/^not read: .*rename it thread_c\.json/),
      },
    ]);
  });

  it('leaves out and reports messages of another thread in an export', async () => {
    const layout = await layoutWith(temp.path, {
      thread_a: [
        message('msg_a1', 'mine', T + 1, { thread_id: 'thread_a' }),
        message('msg_b1', 'I belong to thread_b', T + 2, { thread_id: 'thread_b' }),
      ],
    });
    const report = await migrate(layout);
    expect(await idsIn(layout, 'thread_a')).toEqual(['msg_a1']);
    expect(report.failures).toEqual([
      {
        user: 'alice',
        file: path.join(layout.messagesDir, 'thread_a.json'),
        thread: 'thread_a',
        reason:
          '1 message of thread thread_b, not thread_a, not migrated: is the export filed under the wrong name?',
      },
    ]);
  });
});
