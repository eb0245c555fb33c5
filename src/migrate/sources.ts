/**
 * Where a run's conversations come from, one entry per user. Each index is read once up front
 * for what the listing needs (its thread count, for progress, and the threads it names, to
 * find exports no index lists), and that alone is kept; it is read again, and converted with
 * its messages, when its user's turn comes, so only one user's conversations are in memory at
 * a time (an index may hold whole conversations in the new format).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isCode } from '../services/store/atomic-file.js';
import { isValidUsername } from '../services/store/validate.js';
import { readAssistantsUser } from './assistants-source.js';
import { readChatGptExport } from './chatgpt.js';
import { errorReason } from './json.js';
import {
  isJsonName,
  type LegacyIndex,
  listLegacyIndexFiles,
  readLegacyIndex,
} from './legacy-index.js';
import type { ThreadFetcher } from './live-fetch.js';
import { exportFileFor } from './message-export.js';
import type { MigrationFailure, UserBatch } from './types.js';

/** The run cannot start at all (as opposed to a partial run). */
export class MigrationSetupError extends Error {
  override name = 'MigrationSetupError';
}

export interface UserSource {
  user: string;
  /** The file the user's threads are listed in. */
  file: string;
  /** Threads the listing found, for progress (the report counts those `read` finds). */
  threads: number;
  /** Reads and converts the user's conversations; `onThread` after each one. */
  read(onThread: () => void): Promise<UserBatch>;
}

export interface SourceList {
  users: UserSource[];
  /** Index files that could not be used at all. */
  failures: MigrationFailure[];
}

export interface AssistantsInput {
  legacyDir: string;
  /**
   * The data directory migrated into: when the legacy folder is its `chats` (in place), the
   * store's own conversations there are not read as sources.
   */
  dataDir?: string;
  messagesDir?: string;
  fetchThread?: ThreadFetcher;
  concurrency?: number;
}

export async function assistantsSources(input: AssistantsInput): Promise<SourceList> {
  await requireDir(input.legacyDir, 'legacy folder');
  if (input.messagesDir) await requireDir(input.messagesDir, 'messages folder');
  const list: SourceList = { users: [], failures: [] };
  const listed = new Set<string>();
  // Whether every index could be read: only then is an export no index lists known to be one.
  let allRead = true;
  const indexes = await listLegacyIndexFiles(input.legacyDir);
  const inPlace =
    input.dataDir !== undefined &&
    (await sameFile(input.legacyDir, path.join(input.dataDir, 'chats')));
  // In place, `{user}.json` is the store's own file, no rival to an index `{user}.JSON` beside
  // it: it is read after that index (as in place it is always read), so the threads it lists,
  // the old app's on a first run or those an earlier run migrated, are migrated and listed too.
  const isStoreFile = (user: string, file: string) =>
    inPlace && path.basename(file) === `${user}.json`;
  // Users may not differ only in case (`threadline users`): `Alice` and `alice` would be one
  // user whose sign-in reaches only one of them. Which is meant is the operator's to say.
  const byFold = new Map<string, Array<{ user: string; file: string }>>();
  for (const index of indexes) {
    const alike = byFold.get(index.user.toLowerCase());
    if (alike) alike.push(index);
    else byFold.set(index.user.toLowerCase(), [index]);
  }
  for (const { user, file } of indexes) {
    const alike = byFold.get(user.toLowerCase())!;
    const sameUser = alike.filter((other) => other.user === user);
    const rivals = sameUser.filter((other) => !isStoreFile(other.user, other.file));
    if (isStoreFile(user, file) && rivals.length > 0) continue;
    const names = [...new Set(alike.map((other) => other.user))];
    const reason = !isValidUsername(user)
      ? 'file name is not a valid username'
      : rivals.length > 1
        ? `${rivals.length} index files name user "${user}" (${rivals.map((other) => path.basename(other.file)).join(', ')}): keep one`
        : names.length > 1
          ? `user names may not differ only in case (${names.join(', ')}): rename all index files but one`
          : null;
    if (reason) {
      list.failures.push({ user, file, thread: null, reason });
      allRead = false;
      continue;
    }
    const storeFile = sameUser.find(
      (other) => other.file !== file && isStoreFile(user, other.file),
    );
    const files = storeFile ? [file, storeFile.file] : [file];
    const index = await readIndexes(user, files, inPlace);
    for (const thread of index.threads) listed.add(thread.threadId);
    for (const item of index.conversations) listed.add(item.legacyId);
    for (const failure of index.failures) {
      if (failure.thread) listed.add(failure.thread);
      else allRead = false;
    }
    list.users.push({
      user,
      file,
      threads: index.threads.length + index.conversations.length,
      read: async (onThread) =>
        readAssistantsUser(await readIndexes(user, files, inPlace), {
          messagesDir: input.messagesDir,
          fetchThread: input.fetchThread,
          concurrency: input.concurrency,
          onThread,
        }),
    });
  }
  if (input.messagesDir) {
    list.failures.push(...(await unlisted(input.messagesDir, listed, allRead)));
  }
  return list;
}

/** One user's index files as one, in order: a thread two of them list is the first's. */
async function readIndexes(user: string, files: string[], inPlace: boolean): Promise<LegacyIndex> {
  const [first, ...rest] = await Promise.all(
    files.map((file) => readLegacyIndex(user, file, { inPlace })),
  );
  const index = first as LegacyIndex;
  // Read or failed: a thread the first file lists is its own.
  const seen = new Set([
    ...index.threads.map((thread) => thread.threadId),
    ...index.conversations.map((item) => item.legacyId),
    ...index.failures.flatMap((failure) => (failure.thread === null ? [] : [failure.thread])),
  ]);
  for (const other of rest) {
    index.threads.push(...other.threads.filter((thread) => !seen.has(thread.threadId)));
    index.conversations.push(...other.conversations.filter((item) => !seen.has(item.legacyId)));
    index.failures.push(
      ...other.failures.filter((failure) => failure.thread === null || !seen.has(failure.thread)),
    );
  }
  return index;
}

/**
 * Exports of threads no index lists: nothing says whose they are, so they are not migrated,
 * and said so rather than passed over. When an index could not be read, one may be its.
 */
async function unlisted(
  messagesDir: string,
  listed: Set<string>,
  allRead: boolean,
): Promise<MigrationFailure[]> {
  const reason = allRead
    ? 'no thread index lists this export, so it is not migrated'
    : 'no readable thread index lists this export, so it is not migrated (it may belong to an index that failed: fix that and run again)';
  const failures: MigrationFailure[] = [];
  for (const name of (await readdir(messagesDir)).sort()) {
    if (!isJsonName(name)) continue;
    const thread = name.slice(0, -'.json'.length);
    // An export is looked up as `{thread_id}.json`, which reaches this file only where names
    // ignore case.
    const misnamed =
      !name.endsWith('.json') &&
      listed.has(thread) &&
      !(await sameFile(path.join(messagesDir, name), exportFileFor(messagesDir, thread)));
    if (listed.has(thread) && !misnamed) continue;
    failures.push({
      user: null,
      file: path.join(messagesDir, name),
      thread,
      reason: misnamed
        ? `not read: an export's name must end in .json, in lower case (rename it ${thread}.json)`
        : reason,
    });
  }
  return failures;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [one, other] = await Promise.all([a, b].map((file) => stat(file).catch(() => null)));
  return !!one && !!other && one.dev === other.dev && one.ino === other.ino;
}

export async function chatGptSources(file: string, user: string): Promise<SourceList> {
  if (!isValidUsername(user)) throw new MigrationSetupError(`invalid username "${user}"`);
  const isFile = await stat(file).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (!isFile) {
    throw new MigrationSetupError(`ChatGPT export ${file} does not exist or is not a file`);
  }
  const batch = await readChatGptExport(file, user);
  return {
    users: [
      {
        user,
        file,
        threads: batch.conversations.length,
        read: async (onThread) => {
          for (const _ of batch.conversations) onThread();
          return batch;
        },
      },
    ],
    failures: [],
  };
}

/** A folder the run reads must be there and readable before anything is written. */
async function requireDir(dir: string, what: string): Promise<void> {
  try {
    await readdir(dir);
  } catch (error) {
    const reason = isCode(error, 'ENOENT', 'ENOTDIR')
      ? 'does not exist or is not a folder'
      : `cannot be read (${errorReason(error)})`;
    throw new MigrationSetupError(`${what} ${dir} ${reason}`);
  }
}
