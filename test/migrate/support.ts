/** Shared set-up for the migration tests: the fixtures copied to a temp dir, and a run over them. */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logger.js';
import type { ThreadFetcher } from '../../src/migrate/live-fetch.js';
import { runMigration } from '../../src/migrate/run.js';
import { assistantsSources } from '../../src/migrate/sources.js';
import type { MigrationMode, MigrationReport } from '../../src/migrate/types.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/legacy/', import.meta.url));

export interface Layout {
  legacyDir: string;
  messagesDir: string;
  dataDir: string;
}

/** Copies the fixtures under `root` (the run may write beside them, never into them). */
export async function copyFixtures(root: string): Promise<Layout> {
  await cp(FIXTURES, path.join(root, 'legacy'), { recursive: true });
  return {
    legacyDir: path.join(root, 'legacy', 'chats'),
    messagesDir: path.join(root, 'legacy', 'messages'),
    dataDir: path.join(root, 'data'),
  };
}

/** Empty legacy (`legacyDir`, if given) and messages folders under `root`, for a test to fill. */
export async function emptyLayout(
  root: string,
  legacyDir = path.join(root, 'legacy'),
): Promise<Layout> {
  const layout = {
    legacyDir,
    messagesDir: path.join(root, 'msgs'),
    dataDir: path.join(root, 'data'),
  };
  await mkdir(layout.legacyDir, { recursive: true });
  await mkdir(layout.messagesDir, { recursive: true });
  return layout;
}

/** Writes `user`'s index holding `entries`, and each of `exports` as `{thread id}.json`. */
export async function writeLegacy(
  layout: Layout,
  entries: Record<string, unknown>,
  exports: Record<string, unknown> = {},
  user = 'alice',
): Promise<void> {
  await writeFile(path.join(layout.legacyDir, `${user}.json`), JSON.stringify(entries));
  for (const [thread, content] of Object.entries(exports)) {
    await writeFile(path.join(layout.messagesDir, `${thread}.json`), JSON.stringify(content));
  }
}

export async function migrate(
  layout: Layout,
  mode: MigrationMode = 'migrate',
  extra: { fetchThread?: ThreadFetcher; messages?: boolean; restoreDeleted?: boolean } = {},
): Promise<MigrationReport> {
  const sources = await assistantsSources({
    legacyDir: layout.legacyDir,
    dataDir: layout.dataDir,
    messagesDir: extra.messages === false ? undefined : layout.messagesDir,
    fetchThread: extra.fetchThread,
  });
  return runMigration({
    source: 'assistants',
    mode,
    dataDir: layout.dataDir,
    sources,
    originals: sources.users.map((user) => user.file),
    logger: silentLogger,
    restoreDeleted: extra.restoreDeleted,
  });
}

/**
 * Reads a user's conversations from disk through a fresh store, as a restarted server would.
 * The store is not closed: closing compacts, and a test's reading must not change the files.
 */
export async function storedConversations(dataDir: string, user: string) {
  const store = new JsonConversationStore({ dataDir, logger: silentLogger });
  const summaries = await store.listConversations(user);
  const all = await Promise.all(summaries.map((s) => store.getConversation(user, s.data.id)));
  return new Map(all.map((conversation) => [conversation!.data.id, conversation!]));
}

/** Every file under `dir` with a hash of its bytes: equal trees compare equal. */
export async function treeDigest(dir: string): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    digest[path.relative(dir, file)] = createHash('sha256').update(bytes).digest('hex');
  }
  return digest;
}
