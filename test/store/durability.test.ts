import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { readStoredConversations } from '../../src/migrate/store-view.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { writeFileAtomic } from '../../src/services/store/atomic-file.js';
import { useTempDir } from '../helpers/temp-dir.js';

interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const temp = useTempDir();
const stores: JsonConversationStore[] = [];
const crashed: JsonConversationStore[] = [];
afterEach(async () => {
  // Background compaction of a "crashed" store must not outlive the test's directory.
  await Promise.all(crashed.splice(0).map((store) => store.flush()));
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/**
 * A store that is never closed stands for a process that crashed: it does not call open(), so
 * the next instance can take the lock, and nothing is compacted for it on the way out.
 */
function crashingStore(options: { compactBytes?: number } = {}): JsonConversationStore {
  const store = new JsonConversationStore({
    dataDir: temp.path,
    logger: recordingLogger(),
    ...options,
  });
  crashed.push(store);
  return store;
}

async function restartedStore(logger = recordingLogger()): Promise<JsonConversationStore> {
  const store = new JsonConversationStore({ dataDir: temp.path, logger });
  stores.push(store);
  await store.open();
  return store;
}

const file = (name: string) => path.join(temp.path, 'chats', name);

/** Conversation c1 with one message, then the start of a line the journal never finished. */
async function oneMessageThenTornLine(): Promise<JsonConversationStore> {
  const store = crashingStore();
  await store.createConversation('alice', 'chat', { id: 'c1' });
  await store.addMessage('alice', 'c1', { role: 'user', text: 'one' });
  await fs.appendFile(file('alice.journal'), '{"op":"msg","conv":"c1","mess');
  return store;
}

async function expectRenamedKeepingOne(store: JsonConversationStore): Promise<void> {
  expect(await store.getConversation('alice', 'c1')).toMatchObject({
    chat_name: 'renamed',
    messages: [expect.objectContaining({ text: 'one' })],
  });
}

async function texts(store: JsonConversationStore, user: string, id: string): Promise<string[]> {
  return ((await store.getConversation(user, id))?.messages ?? []).map((m) => m.text);
}

/** Three generations: A folded by a first compaction, B by a second, C only in the journal. */
async function threeGenerations(): Promise<void> {
  for (const text of ['A', 'B']) {
    const store = new JsonConversationStore({ dataDir: temp.path, logger: recordingLogger() });
    await store.open();
    if (text === 'A') await store.createConversation('alice', 'chat', { id: 'c1' });
    await store.addMessage('alice', 'c1', { role: 'user', text });
    await store.close();
  }
  await crashingStore().addMessage('alice', 'c1', { role: 'user', text: 'C' });
}

describe('crash safety', () => {
  it('a write interrupted between temp file and rename leaves the old file intact', async () => {
    const target = path.join(temp.path, 'doc.json');
    await writeFileAtomic(target, '{"old":true}');
    const crash = new Error('power cut');
    await expect(
      writeFileAtomic(target, '{"new":true}', {
        beforeRename: () => {
          throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(await fs.readFile(target, 'utf8')).toBe('{"old":true}');
    expect(await fs.readdir(temp.path)).toEqual(['doc.json']);
  });

  it('a temp file left by a crash is ignored, swept on open, and the snapshot loads', async () => {
    const first = await restartedStore();
    await first.createConversation('alice', 'chat', { id: 'c1' });
    await first.close();
    const before = await fs.readFile(file('alice.json'), 'utf8');
    await fs.writeFile(file('alice.json.tmp-999-0badc0de'), '{"c1":{"da');

    const store = await restartedStore();
    expect((await store.getConversation('alice', 'c1'))?.chat_name).toBe('chat');
    expect(await fs.readFile(file('alice.json'), 'utf8')).toBe(before);
    expect(await fs.readdir(path.join(temp.path, 'chats'))).not.toContain(
      'alice.json.tmp-999-0badc0de',
    );
    expect(await store.listUsers()).toEqual(['alice']);
  });

  it('sweeps the users file and lock temp files of writers that are gone, not of live ones', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const leftovers = [
      `users.json.tmp-${gone}-0badc0de`,
      `users.json.lock.${gone}-0badc0de`,
      `.lock.${gone}-0badc0de`,
      `.lock.stale-${gone}-0badc0de`,
    ];
    // An earlier life of this pid (a restarted container) left this one.
    leftovers.push(`users.json.tmp-${process.pid}-0badc0de`);
    // A `threadline users` running beside the server may be writing this one right now.
    const live = `users.json.tmp-${process.ppid}-0badc0de`;
    for (const name of [...leftovers, live]) await fs.writeFile(path.join(temp.path, name), '');
    await restartedStore();
    const left = await fs.readdir(temp.path);
    expect(left).toContain(live);
    for (const name of leftovers) expect(left).not.toContain(name);
  });

  it('a truncated snapshot is quarantined and everything recovered from .bak and journals', async () => {
    await threeGenerations();
    const damaged = (await fs.readFile(file('alice.json'))).subarray(0, 40);
    await fs.writeFile(file('alice.json'), damaged);

    const logger = recordingLogger();
    const store = await restartedStore(logger);
    expect(await texts(store, 'alice', 'c1')).toEqual(['A', 'B', 'C']);

    const quarantined = (await fs.readdir(path.join(temp.path, 'chats'))).filter((name) =>
      name.startsWith('alice.json.corrupt-'),
    );
    expect(quarantined).toHaveLength(1);
    expect(await fs.readFile(file(quarantined[0]!))).toEqual(damaged);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/damaged/) }),
    );
    // The snapshot was rebuilt, so a plain reload needs no recovery.
    JSON.parse(await fs.readFile(file('alice.json'), 'utf8'));
  });

  it('a read-only load (the dry run) sees what a repairing load recovers and changes no file', async () => {
    await threeGenerations();
    await fs.writeFile(file('alice.json'), (await fs.readFile(file('alice.json'))).subarray(0, 40));
    await fs.appendFile(file('alice.journal'), '{"op":"msg","conv":"c1","mess');
    const chats = path.join(temp.path, 'chats');
    const filesNow = async () => {
      const names = (await fs.readdir(chats)).sort();
      return Promise.all(
        names.map(async (name) => [name, await fs.readFile(path.join(chats, name), 'utf8')]),
      );
    };
    const before = await filesNow();

    const viewed = (await readStoredConversations(temp.path, 'alice')).get('c1');
    expect(viewed?.messages.map((m) => m.text)).toEqual(['A', 'B', 'C']);
    expect(await filesNow()).toEqual(before);

    const store = await restartedStore();
    expect(await texts(store, 'alice', 'c1')).toEqual(['A', 'B', 'C']);
    expect(await filesNow()).not.toEqual(before);
  });

  it('with no usable backup it starts from the journals and names the quarantined file', async () => {
    const store = crashingStore();
    await store.createConversation('alice', 'chat', { id: 'c1' });
    await store.addMessage('alice', 'c1', { role: 'user', text: 'kept' });
    await fs.writeFile(file('alice.json'), '{"c0": {"data": ');

    const logger = recordingLogger();
    const restarted = await restartedStore(logger);
    expect(await texts(restarted, 'alice', 'c1')).toEqual(['kept']);
    const error = logger.lines.find((line) => line.level === 'error');
    expect(String(error?.fields?.quarantined)).toMatch(/alice\.json\.corrupt-/);
  });

  it('a torn last journal line is ignored, and later appends stay readable', async () => {
    await oneMessageThenTornLine();

    const logger = recordingLogger();
    const second = new JsonConversationStore({ dataDir: temp.path, logger });
    expect(await texts(second, 'alice', 'c1')).toEqual(['one']);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/incomplete/) }),
    );
    // The next write must not be glued onto the torn tail.
    await second.renameConversation('alice', 'c1', 'renamed');

    await expectRenamedKeepingOne(await restartedStore());
  });

  it('an append after a line left unfinished while running starts on a line of its own', async () => {
    // What a failed append leaves if cutting it back fails too, while the store runs on.
    const store = await oneMessageThenTornLine();
    await store.renameConversation('alice', 'c1', 'renamed');

    await expectRenamedKeepingOne(await restartedStore());
  });

  it('a conversation replaced whole (migration) and cut short by a crash keeps its old messages', async () => {
    const store = crashingStore();
    await store.createConversation('alice', 'chat', { id: 'c1' });
    await store.addMessages('alice', 'c1', [
      { role: 'user', text: 'one' },
      { role: 'assistant', text: 'two' },
    ]);
    const before = await fs.readFile(file('alice.journal'));
    const replaced = (await store.getConversation('alice', 'c1'))!;
    replaced.messages.push({ ...replaced.messages[1]!, id: 'm3', text: 'three' });
    await store.putConversations('alice', [replaced]);
    // The crash: the replacement's append cut short after its first 60 bytes.
    const after = await fs.readFile(file('alice.journal'));
    expect(after.length).toBeGreaterThan(before.length + 60);
    await fs.writeFile(file('alice.journal'), after.subarray(0, before.length + 60));

    const second = await restartedStore();
    expect(await texts(second, 'alice', 'c1')).toEqual(['one', 'two']);
  });

  it('an unreadable line in the middle is skipped and the journal copied aside', async () => {
    const store = crashingStore();
    await store.createConversation('alice', 'chat', { id: 'c1' });
    await fs.appendFile(file('alice.journal'), 'garbage\n');
    await store.addMessage('alice', 'c1', { role: 'user', text: 'after' });

    const logger = recordingLogger();
    const restarted = await restartedStore(logger);
    expect(await texts(restarted, 'alice', 'c1')).toEqual(['after']);
    const copies = (await fs.readdir(path.join(temp.path, 'chats'))).filter((name) =>
      name.startsWith('alice.journal.corrupt-'),
    );
    expect(copies).toHaveLength(1);
    expect(await fs.readFile(file(copies[0]!), 'utf8')).toContain('garbage\n');
    expect(logger.lines.some((line) => line.level === 'warn' && line.fields?.lines)).toBe(true);
  });

  it('a new instance without close() sees every acknowledged write', async () => {
    const store = crashingStore();
    await store.createConversation('alice', 'one', { id: 'c1' });
    await store.createConversation('alice', 'two', { id: 'c2', metadata: { a: 1 } });
    const m = await store.addMessage('alice', 'c1', {
      role: 'assistant',
      text: '',
      status: 'STREAMING',
    });
    await store.updateMessage('alice', 'c1', m.id, { text: 'partial', status: 'INCOMPLETE' });
    await store.renameConversation('alice', 'c2', 'renamed');
    await store.updateConversationMetadata('alice', 'c2', {
      metadata: { b: 2 },
      last_response_id: 'r',
    });
    await store.createConversation('alice', 'gone', { id: 'c3' });
    await store.deleteConversation('alice', 'c3');
    const expected = await store.listConversations('alice');
    const expectedC1 = await store.getConversation('alice', 'c1');

    const restarted = await restartedStore();
    expect(await restarted.listConversations('alice')).toEqual(expected);
    expect(await restarted.getConversation('alice', 'c1')).toEqual(expectedC1);
    expect(expectedC1?.messages[0]).toMatchObject({ text: 'partial', status: 'INCOMPLETE' });
  });
});

describe('compaction', () => {
  it('folds the journal into the snapshot once it passes compactBytes', async () => {
    const store = crashingStore({ compactBytes: 4096 });
    await store.createConversation('alice', 'chat', { id: 'c1' });
    const written: string[] = [];
    for (let i = 0; i < 120; i++) {
      written.push(`message ${i}`);
      await store.addMessage('alice', 'c1', { role: 'user', text: `message ${i}` });
    }
    await store.flush(); // compaction runs in the background
    const journal = await fs.stat(file('alice.journal')).catch(() => ({ size: 0 }));
    expect(journal.size).toBeLessThanOrEqual(4096);
    const snapshot = JSON.parse(await fs.readFile(file('alice.json'), 'utf8'));
    expect(snapshot.c1.messages.length).toBeGreaterThan(100);

    const restarted = await restartedStore();
    expect(await texts(restarted, 'alice', 'c1')).toEqual(written);
  });

  it('after many compactions the backup and journals alone still hold everything', async () => {
    await threeGenerations();
    const store = crashingStore({ compactBytes: 2048 });
    for (let i = 0; i < 60; i++)
      await store.addMessage('alice', 'c1', { role: 'user', text: `${i}` });
    await store.flush();
    await fs.writeFile(file('alice.json'), 'not json at all');

    const restarted = await restartedStore();
    expect(await texts(restarted, 'alice', 'c1')).toEqual([
      'A',
      'B',
      'C',
      ...Array.from({ length: 60 }, (_, i) => `${i}`),
    ]);
  });

  it('a clean stop leaves no folded journal behind, so nothing grows from run to run', async () => {
    for (const text of ['one', 'two', 'three']) {
      const store = await restartedStore();
      if (text === 'one') await store.createConversation('alice', 'chat', { id: 'c1' });
      await store.addMessage('alice', 'c1', { role: 'user', text });
      const gone = await store.createConversation('alice', 'secret', { id: `gone_${text}` });
      await store.addMessage('alice', gone.data.id, { role: 'user', text: 'PASSPORT-123' });
      await store.deleteConversation('alice', gone.data.id);
      await stores.pop()!.close();
      const names = await fs.readdir(path.join(temp.path, 'chats'));
      expect(names.sort()).toEqual(['alice.json', 'alice.json.bak']);
      // The deleted conversation's text is in no file; the backup is a copy, not a link.
      for (const name of names) {
        expect(await fs.readFile(file(name), 'utf8')).not.toContain('PASSPORT-123');
      }
      const [snapshot, backup] = await Promise.all(
        ['alice.json', 'alice.json.bak'].map((name) => fs.stat(file(name))),
      );
      expect(backup!.ino).not.toBe(snapshot!.ino);
    }
    expect(await texts(await restartedStore(), 'alice', 'c1')).toEqual(['one', 'two', 'three']);
  });

  it('a compaction interrupted after moving the journal loses nothing at the next one', async () => {
    await threeGenerations(); // snapshot = A+B, journal.old = B, journal = C
    // The crash: journal -> journal.old done, new snapshot never written.
    await fs.rename(file('alice.journal'), file('alice.journal.old'));

    const store = await restartedStore();
    expect(await texts(store, 'alice', 'c1')).toEqual(['A', 'B', 'C']);
    await store.addMessage('alice', 'c1', { role: 'user', text: 'D' });
    await store.close();
    // Even if that next compaction's snapshot were lost, backup + journals have C and D.
    await fs.writeFile(file('alice.json'), '{');
    const recovered = await restartedStore();
    expect(await texts(recovered, 'alice', 'c1')).toEqual(['A', 'B', 'C', 'D']);
  });
});
