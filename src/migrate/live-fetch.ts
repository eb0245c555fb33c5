/**
 * Fetches a thread's messages from a provider that still serves the Assistants API, through
 * the openai SDK (`beta.threads.messages.list`, deprecated but present in v6), oldest first,
 * following `has_more`/`after` with the SDK's auto-pagination.
 */
import type OpenAI from 'openai';
import { orderMessages, parseLegacyMessage } from './legacy-message.js';
import type { LegacyMessage } from './types.js';

export type ThreadFetcher = (threadId: string) => Promise<FetchedThread>;

export interface FetchedThread {
  messages: LegacyMessage[];
  /** Messages the server returned that could not be used, with the reason. */
  problems: string[];
}

/** Largest page the API allows; fewer round trips per thread. */
const PAGE_SIZE = 100;

export function createThreadFetcher(client: OpenAI): ThreadFetcher {
  return async (threadId) => {
    const messages: LegacyMessage[] = [];
    const problems: string[] = [];
    const pages = client.beta.threads.messages.list(threadId, { order: 'asc', limit: PAGE_SIZE });
    for await (const item of pages) {
      const message = parseLegacyMessage(item);
      if (typeof message === 'string') problems.push(message);
      else messages.push(message);
    }
    return { messages: orderMessages(messages, problems), problems };
  };
}
