/**
 * Answers a stop cut off (left STREAMING in storage) are marked INCOMPLETE at start, so they
 * read as interrupted and can be retried. A user whose files cannot be read then is tried again
 * until they are mended, without a restart.
 */
import type { Logger } from '../../logger.js';
import type { ConversationStore } from '../types.js';
import { SERVER_STOPPED_MESSAGE } from './error-mapping.js';

export interface RecoveryDeps {
  store: ConversationStore;
  logger: Logger;
  /** Unix seconds. */
  now: () => number;
  /** How often the users whose files could not be read are tried again. */
  retryMs: number;
  /** The answer a turn of this process streams in the conversation, if one is open. */
  liveAnswer: (username: string, conversationId: string) => string | null | undefined;
}

export class InterruptedAnswers {
  // Users `recover` could not read yet, tried again until their files are mended.
  readonly #unrecovered = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #closing = false;

  constructor(private readonly deps: RecoveryDeps) {}

  /** Marks every user's interrupted answers; the count marked. Run before serving. */
  async recover(): Promise<number> {
    const { store, logger } = this.deps;
    let recovered = 0;
    for (const username of await store.listUsers()) {
      try {
        recovered += await this.#recoverUser(username, Number.POSITIVE_INFINITY);
      } catch (error) {
        // One user's files that cannot be read (a folder where a file should be, a file it may
        // not open) must not keep the server from everyone else.
        logger.error('could not read the conversations of a user: they fail until mended', {
          user: username,
          files: `chats/${username}.*`,
          error,
        });
        this.#unrecovered.add(username);
      }
    }
    if (recovered > 0) logger.info('interrupted answers marked INCOMPLETE', { recovered });
    if (this.#unrecovered.size > 0) this.#retry(this.deps.now());
    return recovered;
  }

  /** Stops the retries; settles once a pass under way has ended. */
  close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    return this.#pass ?? Promise.resolve();
  }

  /**
   * Once a user's files are mended, their answers cut off by the last stop are marked as such;
   * until then they would read as streaming, and could not be retried. The server is serving
   * by now, so only answers stored before it started are touched: a newer STREAMING answer is
   * a turn of this process's own (open, or ending as this pass reads).
   */
  #retry(startedAt: number): void {
    const pass = async () => {
      for (const username of this.#unrecovered) {
        if (this.#closing) return;
        const recovered = await this.#recoverUser(username, startedAt).catch(() => null);
        if (recovered === null) continue;
        this.#unrecovered.delete(username);
        this.deps.logger.info('the conversations of a user can be read again', {
          user: username,
          recovered,
        });
      }
      if (this.#unrecovered.size > 0 && !this.#closing) this.#retry(startedAt);
    };
    this.#timer = setTimeout(() => {
      this.#pass = pass().finally(() => {
        this.#pass = undefined;
      });
    }, this.deps.retryMs);
    this.#timer.unref();
  }

  /** Marks the user's answers left STREAMING (stored before `before`, Unix seconds) INCOMPLETE. */
  async #recoverUser(username: string, before: number): Promise<number> {
    const { store, liveAnswer } = this.deps;
    let recovered = 0;
    for (const summary of await store.listConversations(username)) {
      const conversationId = summary.data.id;
      const conversation = await store.getConversation(username, conversationId);
      // A turn open here is not skipped whole: the answer the last stop cut off is still marked.
      const live = liveAnswer(username, conversationId);
      for (const message of conversation?.messages ?? []) {
        if (message.status !== 'STREAMING' || message.id === live) continue;
        if (message.timestamp >= before) continue;
        await store.updateMessage(username, conversationId, message.id, {
          status: 'INCOMPLETE',
          error: { code: 'STREAM_INTERRUPTED', message: SERVER_STOPPED_MESSAGE, retryable: true },
        });
        recovered++;
      }
    }
    return recovered;
  }
}
