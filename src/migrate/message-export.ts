/**
 * Reads a saved list-messages export, `DIR/{thread_id}.json`, in any of the shapes people
 * saved: one list page, an array of pages, or a bare array of `thread.message` objects. Pages
 * may be newest-first (the API's default order); the result is always oldest first.
 */
import path from 'node:path';
import { isCode } from '../services/store/atomic-file.js';
import { isValidId } from '../services/store/validate.js';
import { isRecord, readJson } from './json.js';
import { oldestFirst, orderMessages, parseLegacyMessage } from './legacy-message.js';
import type { LegacyMessage } from './types.js';

export interface MessageExport {
  messages: LegacyMessage[];
  /** Messages that could not be used, with the reason; the rest are kept. */
  problems: string[];
}

/** The start of the problem reported for an export whose pages all say `has_more`. */
export const INCOMPLETE_EXPORT = 'export is incomplete';

export const exportFileFor = (dir: string, threadId: string): string =>
  path.join(dir, `${threadId}.json`);

/**
 * Reads the export of one thread. Returns null when there is none; throws (with a readable
 * reason) when the file exists but is not a usable export.
 */
export async function readMessageExport(
  dir: string,
  threadId: string,
): Promise<MessageExport | null> {
  const file = exportFileFor(dir, threadId);
  let parsed: unknown;
  try {
    parsed = await readJson(file);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  }
  const { listings, problems } = extractListings(parsed);
  const ordered: LegacyMessage[][] = [];
  const elsewhere = new Map<string, number>();
  for (const listing of listings) {
    const messages: LegacyMessage[] = [];
    for (const item of listing.items) {
      const message = parseLegacyMessage(item);
      if (typeof message === 'string') problems.push(message);
      else if (ofAnotherThread(message, threadId)) {
        elsewhere.set(message.thread_id, (elsewhere.get(message.thread_id) ?? 0) + 1);
      } else messages.push(message);
    }
    if (messages.length > 0) ordered.push(oldestFirst(messages, listing.apiPage));
  }
  // Pages may have been saved in any order: the oldest page first, so that messages of one
  // second split over two pages keep their order too. Of two pages that start in one second,
  // the one that also ends sooner is older; failing that, the one saved later (the API lists
  // the newest page first).
  const pages = ordered.map((messages, saved) => ({ messages, saved }));
  pages.sort(
    (a, b) =>
      a.messages[0]!.created_at - b.messages[0]!.created_at ||
      a.messages.at(-1)!.created_at - b.messages.at(-1)!.created_at ||
      b.saved - a.saved,
  );
  // Filed under the wrong name, most likely: another thread's messages, perhaps another
  // user's, must not join this conversation.
  for (const [other, count] of elsewhere) {
    problems.push(
      `${count} message${count === 1 ? '' : 's'} of thread ${other}, not ${threadId}, not migrated: is the export filed under the wrong name?`,
    );
  }
  const messages = orderMessages(
    pages.flatMap((page) => page.messages),
    problems,
  );
  return { messages, problems };
}

/**
 * The message names another thread. Only a thread id counts: a placeholder (a redacted or
 * hand-made export's `"?"`) says nothing about where the message belongs.
 */
const ofAnotherThread = (
  message: LegacyMessage,
  threadId: string,
): message is LegacyMessage & { thread_id: string } =>
  typeof message.thread_id === 'string' &&
  message.thread_id.startsWith('thread_') &&
  isValidId(message.thread_id) &&
  message.thread_id !== threadId;

/** The items of one API page (listed newest first by default), or of a bare array. */
interface Listing {
  items: unknown[];
  apiPage: boolean;
}

const isPage = (value: unknown): value is Record<string, unknown> & { data: unknown[] } =>
  isRecord(value) && value.object === 'list' && Array.isArray(value.data);

function extractListings(parsed: unknown): { listings: Listing[]; problems: string[] } {
  if (isPage(parsed)) {
    return { listings: [{ items: parsed.data, apiPage: true }], problems: pageProblems([parsed]) };
  }
  if (!Array.isArray(parsed)) {
    throw new Error('expected a list page, an array of pages or an array of messages');
  }
  // An array of pages, or a bare array of messages: decided by its first element.
  if (parsed.length > 0 && isPage(parsed[0])) {
    const pages = parsed.filter(isPage);
    if (pages.length !== parsed.length) throw new Error('array mixes pages with other values');
    return {
      listings: pages.map((page) => ({ items: page.data, apiPage: true })),
      problems: pageProblems(pages),
    };
  }
  return { listings: [{ items: parsed, apiPage: false }], problems: [] };
}

/**
 * A complete export ends with a page whose `has_more` is false. Pages may have been saved in
 * any order, so it is enough that one page says so; when none does, messages are missing.
 */
function pageProblems(pages: Array<Record<string, unknown>>): string[] {
  const flagged = pages.filter((page) => typeof page.has_more === 'boolean');
  if (flagged.length > 0 && flagged.every((page) => page.has_more === true)) {
    return [
      `${INCOMPLETE_EXPORT}: every page says has_more (save the remaining pages or use --fetch)`,
    ];
  }
  return [];
}
