/**
 * The Assistants-API source: for each thread of a user's index, its messages from the saved
 * export and/or the live API, converted. A thread whose messages cannot be found still becomes
 * a conversation (index only); a thread whose export is corrupt or whose fetch fails is
 * reported and still written with whatever was found, so a later run can fill it in.
 */
import { convertThread } from './convert.js';
import { errorReason, mapLimit } from './json.js';
import type { LegacyIndex } from './legacy-index.js';
import { orderMessages } from './legacy-message.js';
import type { ThreadFetcher } from './live-fetch.js';
import { exportFileFor, INCOMPLETE_EXPORT, readMessageExport } from './message-export.js';
import type { LegacyMessage, LegacyThread, MigrationFailure, UserBatch } from './types.js';

export interface AssistantsSourceOptions {
  /** Folder of `{thread_id}.json` list-messages exports. */
  messagesDir?: string;
  /** Live fetch of a thread's messages. */
  fetchThread?: ThreadFetcher;
  /** Threads read at once (file reads or HTTP requests). */
  concurrency?: number;
  /** Called after each thread, for progress. */
  onThread?: () => void;
}

export async function readAssistantsUser(
  index: LegacyIndex,
  options: AssistantsSourceOptions,
): Promise<UserBatch> {
  const results = await mapLimit(index.threads, options.concurrency ?? 8, async (thread) => {
    const { messages, problems } = await collectMessages(index, thread, options);
    options.onThread?.();
    const localProblems: string[] = [];
    const conversation = convertThread(thread, messages, localProblems);
    for (const reason of localProblems) {
      problems.push({ user: index.user, file: index.file, thread: thread.threadId, reason });
    }
    return { conversation, problems };
  });
  // Entries in the new format are converted already, when the index was read.
  for (const _ of index.conversations) options.onThread?.();
  // In index order, whatever order the reads finished in, so reports compare across runs.
  return {
    user: index.user,
    file: index.file,
    conversations: [...results.map((result) => result.conversation), ...index.conversations],
    failures: [...index.failures, ...results.flatMap((result) => result.problems)],
  };
}

async function collectMessages(
  index: LegacyIndex,
  thread: LegacyThread,
  options: AssistantsSourceOptions,
): Promise<{ messages: LegacyMessage[]; problems: MigrationFailure[] }> {
  const found: LegacyMessage[] = [];
  const problems: MigrationFailure[] = [];
  const report = (file: string | null, reason: string) =>
    problems.push({ user: index.user, file, thread: thread.threadId, reason });

  // The fetch first: it is the whole thread as it is now, in the API's order, so its copy of a
  // message is the one kept (`orderMessages` keeps the first), and the export adds only what
  // the API no longer has.
  let fetched = false;
  if (options.fetchThread) {
    try {
      const result = await options.fetchThread(thread.threadId);
      found.push(...result.messages);
      for (const problem of result.problems) report(null, `fetch: ${problem}`);
      fetched = true;
    } catch (error) {
      report(null, `fetch failed: ${errorReason(error)}`);
    }
  }
  let exportProblems: string[] = [];
  const file = options.messagesDir ? exportFileFor(options.messagesDir, thread.threadId) : null;
  if (options.messagesDir) {
    try {
      const saved = await readMessageExport(options.messagesDir, thread.threadId);
      if (saved) {
        found.push(...saved.messages);
        exportProblems = saved.problems;
      }
    } catch (error) {
      report(file, `export unreadable: ${errorReason(error)}`);
    }
  }
  // A fetched thread is complete, so an export cut short no longer loses anything.
  for (const problem of exportProblems) {
    if (!(fetched && problem.startsWith(INCOMPLETE_EXPORT))) report(file, problem);
  }
  // A copy the export has otherwise than the fetch is the export's, which is not migrated.
  const differing: string[] = [];
  const messages = orderMessages(found, differing);
  for (const problem of differing) report(file, `${problem} (the fetched copy is kept)`);
  return { messages, problems };
}
