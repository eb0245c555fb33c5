import { cp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { formatReport } from '../../src/migrate/report.js';
import { runMigration } from '../../src/migrate/run.js';
import { assistantsSources, MigrationSetupError } from '../../src/migrate/sources.js';
import type { MigrationReport } from '../../src/migrate/types.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { StorageError } from '../../src/services/errors.js';
import { createUserService } from '../../src/services/users.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { copyFixtures, type Layout, migrate, storedConversations, treeDigest } from './support.js';

const temp = useTempDir('threadline-migrate-');

const ALICE_MESSAGES: Record<string, string[]> = {
  thread_single: ['msg_s1', 'msg_s2'],
  thread_pages: ['msg_p0', 'msg_p1', 'msg_p2', 'msg_p3', 'msg_p4'],
  thread_bare: ['msg_b1', 'msg_b2'],
  thread_newest: ['msg_n1', 'msg_n2a', 'msg_n2b', 'msg_n3'],
  thread_incomplete: ['msg_i1', 'msg_i2'],
  thread_parts: ['msg_img', 'msg_cite', 'msg_plot'],
  thread_noexport: [],
  thread_corrupt: [],
};

/** The fixtures without their deliberately broken files. */
async function cleanFixtures(root: string): Promise<Layout> {
  const layout = await copyFixtures(root);
  await rm(path.join(layout.legacyDir, 'carol.json'));
  await rm(path.join(layout.messagesDir, 'thread_corrupt.json'));
  await rm(path.join(layout.messagesDir, 'thread_incomplete.json'));
  const index = JSON.parse(await readFile(path.join(layout.legacyDir, 'alice.json'), 'utf8'));
  delete index.thread_badentry;
  await writeFile(path.join(layout.legacyDir, 'alice.json'), JSON.stringify(index));
  return layout;
}

describe('migrating legacy threads', () => {
  it('turns every thread into a conversation and reports what failed, by file, thread and reason', async () => {
    const layout = await copyFixtures(temp.path);
    const report = await migrate(layout);

    const alice = await storedConversations(layout.dataDir, 'alice');
    const messageIds = Object.fromEntries(
      [...alice].map(([id, conversation]) => [id, conversation.messages.map((m) => m.id)]),
    );
    expect(messageIds).toEqual(ALICE_MESSAGES);
    for (const conversation of alice.values()) {
      expect(conversation.data.metadata.legacy_thread_id).toBe(conversation.data.id);
      expect(conversation.last_response_id).toBeNull();
    }
    const noExport = alice.get('thread_noexport')!;
    expect(noExport).toMatchObject({
      chat_name: 'Never exported',
      last_update: 1_700_000_650,
      data: { created_at: 1_700_000_600 },
    });
    expect(alice.get('thread_bare')!.data.metadata.legacy_metadata).toEqual({ topic: 'tides' });
    expect([...(await storedConversations(layout.dataDir, 'bob')).keys()]).toEqual(['thread_bob']);

    expect(report.status).toBe('partial');
    const where = (file: string) => path.join(layout.legacyDir, '..', file);
    expect(report.failures).toEqual(
      expect.arrayContaining([
        {
          user: 'alice',
          file: path.join(layout.legacyDir, 'alice.json'),
          thread: 'thread_badentry',
          reason: 'data.created_at is not a time in Unix seconds',
        },
        {
          user: 'alice',
          file: where('messages/thread_corrupt.json'),
          thread: 'thread_corrupt',
          reason: expect.stringMatching(/^export unreadable: not valid JSON/),
        },
        {
          user: 'alice',
          file: where('messages/thread_incomplete.json'),
          thread: 'thread_incomplete',
          reason: expect.stringMatching(/^export is incomplete/),
        },
        expect.objectContaining({ user: 'carol', thread: null, reason: expect.any(String) }),
      ]),
    );
    expect(report.failures).toHaveLength(4);
    expect(report.totals).toMatchObject({
      users: 3,
      threads: 9,
      conversationsAdded: 9,
      messagesAdded: 20,
      indexOnlyThreads: 2,
      nonTextParts: 5,
    });
    expect(report.users.find((u) => u.user === 'alice')?.indexOnly.sort()).toEqual([
      'thread_corrupt',
      'thread_noexport',
    ]);
  });

  it('backs the originals up before the first write', async () => {
    const layout = await cleanFixtures(temp.path);
    // Something already in the data directory, which the migration will rewrite.
    const seed = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await seed.createConversation('alice', 'Since the move', { id: 'conv_since' });
    await seed.close();
    const before = await readFile(path.join(layout.dataDir, 'chats', 'alice.json'));

    const report = await migrate(layout);

    expect(report.backupPath).toMatch(/migration-backup/);
    const backup = report.backupPath!;
    expect(await readFile(path.join(backup, 'chats', 'alice.json'))).toEqual(before);
    expect(await readFile(path.join(backup, 'legacy', 'alice.json'))).toEqual(
      await readFile(path.join(layout.legacyDir, 'alice.json')),
    );
    expect(await readFile(path.join(layout.dataDir, 'chats', 'alice.json'))).not.toEqual(before);
  });

  it('writes nothing when the originals cannot be backed up', async () => {
    const layout = await cleanFixtures(temp.path);
    const seed = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await seed.createConversation('alice', 'Since the move', { id: 'conv_since' });
    await seed.close();
    // A file where the backup folder should go.
    await writeFile(path.join(layout.dataDir, 'migration-backup'), '');
    const before = await treeDigest(path.join(layout.dataDir, 'chats'));

    await expect(migrate(layout)).rejects.toThrow(/could not back up the originals/);
    expect(await treeDigest(path.join(layout.dataDir, 'chats'))).toEqual(before);
  });

  it('reports a failure to fold the journals at the end, with its cause, and keeps every write', async () => {
    const layout = await cleanFixtures(temp.path);
    const close = JsonConversationStore.prototype.close;
    const spy = vi
      .spyOn(JsonConversationStore.prototype, 'close')
      .mockImplementationOnce(async function (this: JsonConversationStore) {
        await close.call(this);
        const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        throw new StorageError('Could not compact the conversations of alice', { cause: full });
      });
    try {
      const report = await migrate(layout);
      expect(report.status).toBe('partial');
      expect(report.failures).toContainEqual({
        user: null,
        file: null,
        thread: null,
        reason:
          'could not fold the journals into the snapshots (what was written is kept in the journals): Could not compact the conversations of alice: no space left on device',
      });
      expect(report.totals.messagesAdded).toBeGreaterThan(0);
      expect(formatReport(report)).toContain('no space left on device');
    } finally {
      spy.mockRestore();
    }
    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(alice.get('thread_single')?.messages.map((m) => m.id)).toEqual(['msg_s1', 'msg_s2']);
  });

  it('goes on past a dangling link and an index whose user differs from another only in case', async () => {
    const layout = await cleanFixtures(temp.path);
    await symlink(path.join(temp.path, 'nowhere.json'), path.join(layout.legacyDir, 'dan.json'));
    await cp(path.join(layout.legacyDir, 'bob.json'), path.join(layout.legacyDir, 'Bob.json'));
    const report = await migrate(layout);

    const alike =
      'user names may not differ only in case (Bob, bob): rename all index files but one';
    const reasons = report.failures.map((f) => [path.basename(f.file ?? ''), f.reason]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['Bob.json', alike],
        ['bob.json', alike],
        ['dan.json', expect.stringContaining('ENOENT')],
        // Bob's exports, now that no index read lists them.
        ['thread_bob.json', expect.stringContaining('it may belong to an index that failed')],
      ]),
    );
    expect(report.users.map((user) => user.user).sort()).toEqual(['alice', 'dan']);
    expect((await storedConversations(layout.dataDir, 'alice')).size).toBeGreaterThan(0);
    expect(report.backupPath).not.toBeNull();
  });

  it('refuses a legacy user whose name differs only in case from a user already here', async () => {
    const layout = await cleanFixtures(temp.path);
    await createUserService({ dataDir: layout.dataDir }).add('ALICE');
    const seed = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await seed.createConversation('Bob', 'Made here', { id: 'conv_here' });
    await seed.close();

    const refusals = (report: MigrationReport) =>
      report.failures.map((f) => [f.user, path.basename(f.file ?? ''), f.reason]);
    const expected = [
      [
        'alice',
        'alice.json',
        'user "ALICE" already exists here and user names may not differ only in case: rename the index file to ALICE.json to migrate into that user\'s conversations, or choose another name',
      ],
      [
        'bob',
        'bob.json',
        'user "Bob" already exists here and user names may not differ only in case: rename the index file to Bob.json to migrate into that user\'s conversations, or choose another name',
      ],
    ];
    const planned = await migrate(layout, 'dry-run');
    expect(refusals(planned)).toEqual(expected);
    const migrated = await migrate(layout);
    expect(refusals(migrated)).toEqual(expected);
    expect(migrated.users).toEqual([]);
    expect((await storedConversations(layout.dataDir, 'alice')).size).toBe(0);
    expect([...(await storedConversations(layout.dataDir, 'Bob')).keys()]).toEqual(['conv_here']);

    // A user here by the very name is the one meant, though a twin of it is here too.
    await createUserService({ dataDir: layout.dataDir })
      .add('alice')
      .catch(() => {});
    const seedAlice = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await seedAlice.createConversation('alice', 'Exact', { id: 'conv_exact' });
    await seedAlice.close();
    const exact = await migrate(layout, 'dry-run');
    expect(refusals(exact).map(([user]) => user)).toEqual(['bob']);

    // Whose names are here cannot be known from a damaged users file: the run does not start.
    await writeFile(path.join(layout.dataDir, 'users.json'), '{"users": [');
    for (const mode of ['dry-run', 'migrate'] as const) {
      await expect(migrate(layout, mode)).rejects.toThrow(MigrationSetupError);
    }
  });

  it('leaves a user whose stored file is damaged beyond its backup alone, as the dry run says', async () => {
    const layout = await cleanFixtures(temp.path);
    const seed = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await seed.createConversation('alice', 'Kept', { id: 'conv_x' });
    await seed.close();
    const file = path.join(layout.dataDir, 'chats', 'alice.json');
    const damaged = (await readFile(file, 'utf8')).slice(0, 20);
    await writeFile(file, damaged);
    // The stop left a copy of the snapshot as the backup: it is gone too.
    await rm(`${file}.bak`);

    const reasonsFor = (report: MigrationReport) =>
      report.failures.filter((f) => f.user === 'alice').map((f) => f.reason);
    const planned = reasonsFor(await migrate(layout, 'dry-run'));
    expect(planned).toEqual([expect.stringMatching(/is damaged .* and has no usable backup$/)]);
    const migrated = await migrate(layout);
    expect(reasonsFor(migrated)).toEqual(planned);
    expect(migrated.users.find((user) => user.user === 'alice')?.conversationsAdded).toBe(0);
    // Left as it was, for the operator to mend; bob was migrated.
    expect(await readFile(file, 'utf8')).toBe(damaged);
    expect((await storedConversations(layout.dataDir, 'bob')).size).toBeGreaterThan(0);

    // The same with no snapshot and a damaged backup.
    await rename(file, `${file}.bak`);
    const noSnapshot = reasonsFor(await migrate(layout, 'dry-run'));
    expect(noSnapshot).toEqual([expect.stringMatching(/is missing and its backup is damaged$/)]);
    expect(reasonsFor(await migrate(layout))).toEqual(noSnapshot);
    expect(await readFile(`${file}.bak`, 'utf8')).toBe(damaged);
  });

  it('keeps conversations created since and only adds what a migrated one lacks', async () => {
    const layout = await cleanFixtures(temp.path);
    await migrate(layout);
    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    const since = await store.createConversation('alice', 'New since the move');
    await store.addMessage('alice', since.data.id, { role: 'user', text: 'hello' });
    // A migrated conversation continued in Threadline and renamed.
    await store.addMessage('alice', 'thread_single', {
      role: 'assistant',
      text: 'continued',
      id: 'm_continued',
      response_id: 'resp_new',
    });
    await store.renameConversation('alice', 'thread_single', 'Renamed');
    await store.close();
    // The export of a thread found later, and an older message found for another.
    const pages = path.join(layout.messagesDir, 'thread_noexport.json');
    await writeFile(
      pages,
      JSON.stringify([{ id: 'msg_late', created_at: 1_700_000_601, role: 'user', content: [] }]),
    );
    const single = JSON.parse(
      await readFile(path.join(layout.messagesDir, 'thread_single.json'), 'utf8'),
    );
    single.data.unshift({ id: 'msg_s0', created_at: 1_700_000_000, role: 'user', content: [] });
    await writeFile(path.join(layout.messagesDir, 'thread_single.json'), JSON.stringify(single));

    const report = await migrate(layout);

    expect(report.totals).toMatchObject({
      conversationsAdded: 0,
      conversationsUpdated: 2,
      messagesAdded: 2,
    });
    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(alice.get(since.data.id)?.messages.map((m) => m.text)).toEqual(['hello']);
    expect(alice.get('thread_noexport')?.messages.map((m) => m.id)).toEqual(['msg_late']);
    const continued = alice.get('thread_single')!;
    expect(continued.chat_name).toBe('Renamed');
    expect(continued.messages.map((m) => m.id)).toEqual([
      'msg_s0',
      'msg_s1',
      'msg_s2',
      'm_continued',
    ]);
    // An older message joined the history the stored chain never saw: the chain is dropped.
    expect(continued.last_response_id).toBeNull();
  });

  it('stores a message still being written as INCOMPLETE, and a later run finishes it', async () => {
    const layout = await cleanFixtures(temp.path);
    const file = path.join(layout.messagesDir, 'thread_single.json');
    const single = JSON.parse(await readFile(file, 'utf8'));
    const last = single.data.at(-1);
    const whole = structuredClone(last);
    last.status = 'in_progress';
    last.content = [{ type: 'text', text: { value: 'Half an', annotations: [] } }];
    await writeFile(file, JSON.stringify(single));
    await migrate(layout);
    let stored = (await storedConversations(layout.dataDir, 'alice')).get('thread_single')!;
    expect(stored.messages.at(-1)).toMatchObject({ status: 'INCOMPLETE', text: 'Half an' });

    single.data[single.data.length - 1] = whole;
    await writeFile(file, JSON.stringify(single));
    const report = await migrate(layout);
    expect(report.totals).toMatchObject({
      conversationsUpdated: 1,
      messagesAdded: 0,
      messagesCompleted: 1,
    });
    expect(formatReport(report)).toMatch(/^alice: .*; 1 unfinished message completed$/m);
    stored = (await storedConversations(layout.dataDir, 'alice')).get('thread_single')!;
    expect(stored.messages.at(-1)).toMatchObject({ id: whole.id, status: 'COMPLETE' });
    expect(stored.messages.at(-1)?.text).not.toBe('Half an');
    expect((await migrate(layout, 'verify')).status).toBe('complete');
  });

  it('reports an export that no index lists instead of passing over it', async () => {
    const layout = await cleanFixtures(temp.path);
    await writeFile(
      path.join(layout.messagesDir, 'thread_orphan.json'),
      JSON.stringify([{ id: 'msg_o1', created_at: 1_700_000_700, role: 'user', content: [] }]),
    );
    const report = await migrate(layout);
    expect(report.status).toBe('partial');
    expect(report.failures).toContainEqual({
      user: null,
      file: path.join(layout.messagesDir, 'thread_orphan.json'),
      thread: 'thread_orphan',
      reason: 'no thread index lists this export, so it is not migrated',
    });
  });

  it('reports such an export even when an index could not be read, saying it may be its', async () => {
    const layout = await cleanFixtures(temp.path);
    await writeFile(path.join(layout.legacyDir, 'broken.json'), '{ not json');
    await writeFile(
      path.join(layout.messagesDir, 'thread_orphan.json'),
      JSON.stringify([{ id: 'msg_o1', created_at: 1_700_000_700, role: 'user', content: [] }]),
    );
    const report = await migrate(layout);
    expect(report.failures).toContainEqual({
      user: null,
      file: path.join(layout.messagesDir, 'thread_orphan.json'),
      thread: 'thread_orphan',
      reason:
        'no readable thread index lists this export, so it is not migrated (it may belong to an index that failed: fix that and run again)',
    });
  });

  it('counts the threads of the index as read for its user, even when edited since the listing', async () => {
    const layout = await cleanFixtures(temp.path);
    const sources = await assistantsSources({
      legacyDir: layout.legacyDir,
      messagesDir: layout.messagesDir,
    });
    const index = path.join(layout.legacyDir, 'bob.json');
    const threads = JSON.parse(await readFile(index, 'utf8'));
    const T = 1_700_000_000;
    threads.thread_since = { data: { id: 'thread_since', created_at: T }, chat_name: 'Since' };
    await writeFile(index, JSON.stringify(threads));
    const report = await runMigration({
      source: 'assistants',
      mode: 'migrate',
      dataDir: layout.dataDir,
      sources,
      logger: silentLogger,
    });
    const bob = report.users.find((user) => user.user === 'bob')!;
    expect(bob.threads).toBe(Object.keys(threads).length);
    expect(bob.conversationsAdded).toBe(bob.threads);
  });

  it('changes nothing when run again', async () => {
    const layout = await copyFixtures(temp.path);
    const first = await migrate(layout);
    const after = await treeDigest(temp.path);

    const again = await migrate(layout);

    expect(again.totals).toMatchObject({
      conversationsAdded: 0,
      conversationsUpdated: 0,
      conversationsUnchanged: first.totals.conversationsAdded,
      messagesAdded: 0,
    });
    expect(again.backupPath).toBeNull();
    expect(await treeDigest(temp.path)).toEqual(after);
  });

  it('does not bring back a conversation its user deleted, unless asked to', async () => {
    const layout = await cleanFixtures(temp.path);
    await migrate(layout);
    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await store.open();
    expect(await store.deleteConversation('alice', 'thread_pages')).toBe(true);
    // One created here is gone for good anyway; it leaves no record.
    const own = await store.createConversation('alice', 'Here only');
    await store.deleteConversation('alice', own.data.id);
    await store.close();
    const recorded = await readFile(path.join(layout.dataDir, 'chats', 'alice.deleted'), 'utf8');
    expect(
      recorded
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ id: 'thread_pages', legacy_id: 'thread_pages', deleted_at: expect.any(Number) }]);

    const planned = await migrate(layout, 'dry-run');
    expect(planned.totals).toMatchObject({ conversationsAdded: 0, conversationsDeleted: 1 });
    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ conversationsAdded: 0, conversationsDeleted: 1 });
    expect(again.status).toBe('complete');
    expect((await storedConversations(layout.dataDir, 'alice')).has('thread_pages')).toBe(false);
    const verified = await migrate(layout, 'verify');
    expect(verified.verify).toMatchObject({ deletedConversations: 1, problems: [] });
    expect(verified.status).toBe('complete');

    const restored = await migrate(layout, 'migrate', { restoreDeleted: true });
    expect(restored.totals).toMatchObject({ conversationsAdded: 1, messagesAdded: 5 });
    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(alice.get('thread_pages')?.messages.map((m) => m.id)).toEqual(
      ALICE_MESSAGES.thread_pages,
    );
  });

  it('migrates in place when the legacy folder is the data directory, and verifies there', async () => {
    const clean = await cleanFixtures(temp.path);
    const legacyDir = path.join(clean.dataDir, 'chats');
    await cp(clean.legacyDir, legacyDir, { recursive: true });
    const layout = { ...clean, legacyDir };

    const first = await migrate(layout);
    expect(first.totals).toMatchObject({ conversationsAdded: 9, messagesAdded: 18 });
    const alice = await storedConversations(layout.dataDir, 'alice');
    expect(alice.get('thread_parts')?.messages).toHaveLength(3);
    expect(alice.get('thread_parts')?.data.metadata.legacy_thread_id).toBe('thread_parts');
    // The index the files replaced is in the backup.
    expect(
      JSON.parse(await readFile(path.join(first.backupPath!, 'legacy', 'alice.json'), 'utf8')),
    ).toHaveProperty('thread_parts.data.object', 'thread');

    const again = await migrate(layout);
    expect(again.totals).toMatchObject({ threads: 9, conversationsAdded: 0, messagesAdded: 0 });
    const verified = await migrate(layout, 'verify');
    expect(verified.verify).toEqual({
      checkedConversations: 9,
      deletedConversations: 0,
      checkedMessages: 18,
      problems: [],
    });
  });

  it('in place, a thread that failed is reported again by the next run, and migrated once fixed', async () => {
    const clean = await cleanFixtures(temp.path);
    const legacyDir = path.join(clean.dataDir, 'chats');
    await cp(clean.legacyDir, legacyDir, { recursive: true });
    const layout = { ...clean, legacyDir };
    const index = path.join(legacyDir, 'alice.json');
    const broken = { data: { id: 'thread_late', object: 'thread', created_at: '1700000000' } };
    await writeFile(
      index,
      JSON.stringify({ ...JSON.parse(await readFile(index, 'utf8')), thread_late: broken }),
    );
    const failed = (report: Awaited<ReturnType<typeof migrate>>) =>
      report.failures.filter((failure) => failure.thread === 'thread_late');

    const first = await migrate(layout);
    expect(failed(first)).toHaveLength(1);
    // The store rewrote the index as its own document: the entry now has a messages array.
    const second = await migrate(layout);
    expect(failed(second)).toEqual(failed(first));
    expect(second.status).toBe('partial');

    const rewritten = JSON.parse(await readFile(index, 'utf8'));
    rewritten.thread_late.data.created_at = 1_700_000_000;
    await writeFile(index, JSON.stringify(rewritten));
    const third = await migrate(layout);
    expect(failed(third)).toEqual([]);
    const late = (await storedConversations(layout.dataDir, 'alice')).get('thread_late');
    expect(late?.data).toMatchObject({
      created_at: 1_700_000_000,
      metadata: { legacy_thread_id: 'thread_late' },
    });
  });

  it('refuses to run while another process holds the data directory', async () => {
    const layout = await cleanFixtures(temp.path);
    const server = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    await server.open();
    try {
      const run = migrate(layout);
      await expect(run).rejects.toThrow(MigrationSetupError);
      await expect(run).rejects.toThrow(/in use by process/);
    } finally {
      await server.close();
    }
    expect(Object.keys(await treeDigest(path.join(layout.dataDir, 'chats')))).toEqual([]);
  });
});

describe('dry run', () => {
  it('writes nothing and lists exactly the changes a real run then makes', async () => {
    const layout = await copyFixtures(temp.path);
    const untouched = await treeDigest(temp.path);

    const dry = await migrate(layout, 'dry-run');

    expect(await treeDigest(temp.path)).toEqual(untouched);
    expect(dry.backupPath).toBeNull();
    const real = await migrate(layout);
    expect(dry.users.map((user) => user.changes)).toEqual(real.users.map((user) => user.changes));
    expect(dry.totals).toEqual(real.totals);
    expect(dry.failures).toEqual(real.failures);
  });

  it('on a migrated data directory, writes nothing and lists only what changed', async () => {
    const layout = await cleanFixtures(temp.path);
    await migrate(layout);
    await writeFile(
      path.join(layout.messagesDir, 'thread_noexport.json'),
      JSON.stringify([{ id: 'msg_late', created_at: 1_700_000_601, role: 'user', content: [] }]),
    );
    const before = await treeDigest(temp.path);

    const dry = await migrate(layout, 'dry-run');

    expect(await treeDigest(temp.path)).toEqual(before);
    expect(dry.users.flatMap((user) => user.changes)).toEqual([
      {
        action: 'update',
        conversationId: 'thread_noexport',
        legacyId: 'thread_noexport',
        chatName: 'Never exported',
        messagesAdded: 1,
        messagesCompleted: 0,
        indexOnly: false,
      },
    ]);
  });
});

describe('verify', () => {
  it('passes after a migration and fails once a message is missing from the store', async () => {
    const layout = await cleanFixtures(temp.path);
    await migrate(layout);

    const passed = await migrate(layout, 'verify');
    expect(passed.status).toBe('complete');
    expect(passed.verify).toEqual({
      checkedConversations: 9,
      deletedConversations: 0,
      checkedMessages: 18,
      problems: [],
    });

    const store = new JsonConversationStore({ dataDir: layout.dataDir, logger: silentLogger });
    const pages = (await store.getConversation('alice', 'thread_pages'))!;
    pages.messages = pages.messages.filter((message) => message.id !== 'msg_p2');
    await store.putConversations('alice', [pages]);
    await store.close();

    const failed = await migrate(layout, 'verify');
    expect(failed.status).toBe('partial');
    expect(failed.verify?.problems).toEqual([
      {
        user: 'alice',
        thread: 'thread_pages',
        messageId: 'msg_p2',
        reason: 'message not in the store',
      },
    ]);
  });
});
