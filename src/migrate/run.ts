/**
 * One migration run: read each user's conversations from the sources, then, by mode,
 *  - migrate: merge them into the store (which holds the data-directory lock), backing the
 *    originals up before the first write;
 *  - dry-run: plan the same merge against a read-only view of the store and write nothing;
 *  - verify: check that every legacy message is in the store, and write nothing.
 * A bad file, thread or fetch is recorded and the run goes on; the report says it was partial.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { JsonConversationStore } from '../services/conversation-store.js';
import { StorageError } from '../services/errors.js';
import { readDeletions } from '../services/store/deletions.js';
import { checkConversation } from '../services/store/records.js';
import { userFiles } from '../services/store/user-files.js';
import type { StoredConversation } from '../services/types.js';
import { backupOriginals } from './backup.js';
import { caseTwins } from './case-twins.js';
import { errorReason } from './json.js';
import {
  type ExistingConversations,
  existingConversations,
  foldCopies,
  planUser,
} from './merge.js';
import { type Progress, silentProgress } from './progress.js';
import { emptyUserReport, totalsOf } from './report.js';
import { MigrationSetupError, type SourceList, type UserSource } from './sources.js';
import { readStoredConversations, viewConversations } from './store-view.js';
import type {
  MigratedConversation,
  MigrationFailure,
  MigrationMode,
  MigrationReport,
  UserBatch,
  UserReport,
} from './types.js';
import { emptyVerifyResult, verifyUser } from './verify.js';

export interface MigrationRunOptions {
  source: MigrationReport['source'];
  mode: MigrationMode;
  dataDir: string;
  /** The users to migrate (see `assistantsSources`, `chatGptSources`). */
  sources: SourceList;
  /** Files backed up beside the data directory's own before the first write. */
  originals?: string[];
  /** Created once the total is known. */
  progress?: (totalThreads: number) => Progress;
  logger?: Logger;
  now?: () => Date;
  /** Brings back conversations their users deleted since an earlier migration. */
  restoreDeleted?: boolean;
}

/**
 * One journal append per this many messages: large enough that a bulk import costs few fsyncs,
 * small enough that one append stays a few MiB.
 */
const MESSAGES_PER_WRITE = 20_000;
const DEFER_COMPACTION = 1024 * 1024 * 1024;

export async function runMigration(options: MigrationRunOptions): Promise<MigrationReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const dataDir = path.resolve(options.dataDir);
  const report: MigrationReport = {
    source: options.source,
    mode: options.mode,
    status: 'complete',
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    dataDir,
    backupPath: null,
    totals: totalsOf([]),
    users: [],
    failures: [...options.sources.failures],
    verify: options.mode === 'verify' ? emptyVerifyResult() : null,
  };
  const store = options.mode === 'migrate' ? await openStore(dataDir, options.logger) : null;
  if (!store) await requireFolderOrNothing(dataDir);
  let closed = false;
  let progress: Progress = silentProgress;
  try {
    const sources = await withoutCaseTwins(
      dataDir,
      options.sources.users,
      options.source,
      report.failures,
    );
    const total = sources.reduce((sum, source) => sum + source.threads, 0);
    progress = options.progress?.(total) ?? silentProgress;
    for (const source of sources) {
      const batch = await source.read(() => progress.advance());
      report.failures.push(...batch.failures);
      const conversations = foldCopies(usableConversations(batch, report.failures));
      const userReport = countBatch(batch, conversations);
      report.users.push(userReport);
      // Nothing to write or check; the user's stored files need not even be loaded.
      if (conversations.length === 0) continue;

      let existing: ExistingConversations;
      try {
        const deletedIds = await readDeletions(
          userFiles(path.join(dataDir, 'chats'), source.user).deleted,
        );
        existing = store
          ? await existingConversations(store, source.user, deletedIds)
          : viewConversations(await readStoredConversations(dataDir, source.user), deletedIds);
      } catch (error) {
        report.failures.push(
          failure(source, `stored conversations unreadable: ${errorReason(error)}`),
        );
        continue;
      }
      if (report.verify) {
        await verifyUser(existing, source.user, conversations, report.verify);
        continue;
      }
      const plan = await planUser(existing, conversations, options.restoreDeleted);
      userReport.conversationsUnchanged = plan.unchanged;
      userReport.conversationsDeleted = plan.deleted;
      if (store && plan.writes.length > 0) {
        report.backupPath ??= await backup(dataDir, options.originals ?? [], now());
        const written = await writeInChunks(store, source.user, plan.writes);
        if (written.error) {
          report.failures.push(failure(source, `write failed: ${errorReason(written.error)}`));
        }
        plan.changes = plan.changes.slice(0, written.count);
      }
      for (const change of plan.changes) {
        if (change.action === 'add') userReport.conversationsAdded++;
        else userReport.conversationsUpdated++;
        userReport.messagesAdded += change.messagesAdded;
        userReport.messagesCompleted += change.messagesCompleted;
      }
      userReport.changes = plan.changes;
      if (store) {
        report.backupPath ??= await backupBeforeFold(dataDir, source.user, options.originals, now);
        await releaseUser(store, source, report.failures);
      }
      progress.note(`${source.user}: done`);
    }
    if (store) {
      closed = true;
      // Folds what is left (nothing, normally: each user was released) and releases the lock.
      // Should that fail (a full disk), every write is still in the journals, which the next
      // start reads: the run is reported, not lost for a step after the writes.
      try {
        await store.close();
      } catch (error) {
        report.failures.push({
          user: null,
          file: null,
          thread: null,
          reason: `could not fold the journals into the snapshots (what was written is kept in the journals): ${errorReason(error)}`,
        });
      }
    }
  } finally {
    progress.finish();
    if (store && !closed) await store.close().catch(() => undefined);
  }

  report.totals = totalsOf(report.users);
  const verifyFailed = (report.verify?.problems.length ?? 0) > 0;
  report.status = report.failures.length > 0 || verifyFailed ? 'partial' : 'complete';
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** Without a backup nothing is written: a failure here stops the run before any change. */
async function backup(dataDir: string, originals: string[], now: Date): Promise<string> {
  try {
    return await backupOriginals(
      dataDir,
      {
        dirs: [{ name: 'chats', dir: path.join(dataDir, 'chats') }],
        files: originals.map((file) => ({ name: 'legacy', file })),
      },
      now,
    );
  } catch (error) {
    throw new MigrationSetupError(`could not back up the originals: ${errorReason(error)}`);
  }
}

/**
 * Each user is folded into its snapshot and dropped from memory once written, so memory stays
 * one user's whatever their number, and no user is left as a journal alone. A failure leaves
 * every write in the journals, which the next start reads.
 */
async function releaseUser(
  store: JsonConversationStore,
  source: UserSource,
  failures: MigrationFailure[],
): Promise<void> {
  try {
    await store.release(source.user);
  } catch (error) {
    failures.push(
      failure(
        source,
        `could not fold the journals into the snapshot (what was written is kept in the journals): ${errorReason(error)}`,
      ),
    );
  }
}

/**
 * A fold rewrites the user's snapshot: when a journal an earlier run left is to be folded
 * although nothing is written now, the originals are backed up first all the same.
 */
async function backupBeforeFold(
  dataDir: string,
  user: string,
  originals: string[] | undefined,
  now: () => Date,
): Promise<string | null> {
  const files = userFiles(path.join(dataDir, 'chats'), user);
  const journals = await Promise.all([files.journal, files.journalOld].map(exists));
  return journals.some(Boolean) ? backup(dataDir, originals ?? [], now()) : null;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** What a real run's store would refuse to open, a dry run or verification refuses too. */
async function requireFolderOrNothing(dataDir: string): Promise<void> {
  const stats = await stat(dataDir).catch(() => null);
  if (stats && !stats.isDirectory()) {
    throw new MigrationSetupError(`data directory ${dataDir} cannot be used: it is not a folder`);
  }
}

async function openStore(dataDir: string, logger: Logger | undefined) {
  // Compacting between a user's bulk writes would rewrite a growing snapshot again and again;
  // it is folded once, when released.
  // A user whose stored file is damaged beyond its backup is reported and left alone, as the
  // dry run predicts, rather than migrated into a store that hides what the file held.
  // One user in memory at a time: each is released once written (`releaseUser`).
  const store = new JsonConversationStore({
    dataDir,
    logger,
    cacheSize: 1,
    compactBytes: DEFER_COMPACTION,
    refuseUnrecoverable: true,
  });
  try {
    await store.open();
  } catch (error) {
    // Typically a running server holds the lock: two writers would lose each other's changes.
    if (error instanceof StorageError) throw new MigrationSetupError(error.message);
    throw error;
  }
  return store;
}

/** Drops (and reports) conversations the store would refuse, so one bad thread costs only itself. */
function usableConversations(
  batch: UserBatch,
  failures: MigrationFailure[],
): MigratedConversation[] {
  return batch.conversations.filter((item) => {
    try {
      checkConversation(item.conversation);
      return true;
    } catch (error) {
      failures.push({
        user: batch.user,
        file: batch.file,
        thread: item.legacyId,
        reason: errorReason(error),
      });
      return false;
    }
  });
}

function countBatch(batch: UserBatch, conversations: MigratedConversation[]): UserReport {
  const userReport = emptyUserReport(batch.user);
  // Counted from the read that is migrated (one conversation per thread read), not from the
  // listing's earlier read: an index edited in between would make the counts disagree.
  userReport.threads = batch.conversations.length;
  for (const item of conversations) {
    userReport.nonTextParts += item.nonTextParts;
    userReport.skippedMessages += item.skippedMessages;
    if (item.indexOnly) userReport.indexOnly.push(item.legacyId);
  }
  userReport.indexOnlyThreads = userReport.indexOnly.length;
  return userReport;
}

/** Writes through the store's atomic bulk path; stops at the first failed write. */
async function writeInChunks(
  store: JsonConversationStore,
  user: string,
  conversations: StoredConversation[],
): Promise<{ count: number; error?: unknown }> {
  let count = 0;
  while (count < conversations.length) {
    const chunk: StoredConversation[] = [];
    let messages = 0;
    for (let i = count; i < conversations.length && messages < MESSAGES_PER_WRITE; i++) {
      const conversation = conversations[i] as StoredConversation;
      chunk.push(conversation);
      messages += conversation.messages.length;
    }
    try {
      await store.putConversations(user, chunk);
    } catch (error) {
      return { count, error };
    }
    count += chunk.length;
  }
  return { count };
}

/** `sources` without the users refused by `caseTwins`, each refusal added to `failures`. */
async function withoutCaseTwins(
  dataDir: string,
  sources: UserSource[],
  kind: MigrationReport['source'],
  failures: MigrationFailure[],
): Promise<UserSource[]> {
  const twins = await caseTwins(
    dataDir,
    sources.map((source) => source.user),
  );
  return sources.filter((source) => {
    const twin = twins.get(source.user);
    if (twin === undefined) return true;
    failures.push(
      failure(
        source,
        `user "${twin}" already exists here and user names may not differ only in case: ${kind === 'chatgpt' ? `pass --user ${twin}` : `rename the index file to ${twin}.json`} to migrate into that user's conversations, or choose another name`,
      ),
    );
    return false;
  });
}

const failure = (source: UserSource, reason: string): MigrationFailure => ({
  user: source.user,
  file: source.file,
  thread: null,
  reason,
});
