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
  /** How often the users whose files could not be read are tried again. */
  retryMs: number;
  /**
   * The answer a turn of this process streams in the conversation: its id, null while the turn
   * is starting (its answer may be stored already), undefined when no turn is open there.
   */
  liveAnswer: (username: string, conversationId: string) => string | null | undefined;
}

export class InterruptedAnswers {
  // Users `recover` could not read yet, tried again until their files are mended, each with
  // the answers this process has stored for them since (see `stored`).
  readonly #unrecovered = new Map<string, Set<string>>();
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
        recovered += (await this.#recoverUser(username)).recovered;
      } catch (error) {
        // One user's files that cannot be read (a folder where a file should be, a file it may
        // not open) must not keep the server from everyone else.
        logger.error('could not read the conversations of a user: they fail until mended', {
          user: username,
          files: `chats/${username}.*`,
          error,
        });
        this.#unrecovered.set(username, new Set());
      }
    }
    if (recovered > 0) logger.info('interrupted answers marked INCOMPLETE', { recovered });
    if (this.#unrecovered.size > 0) this.#retry();
    return recovered;
  }

  /**
   * Notes an answer a turn of this process stored, for a user still waiting for the retry: it
   * may be left STREAMING after its turn (a final write that failed) and is not the last
   * stop's to mark.
   */
  stored(username: string, messageId: string): void {
    this.#unrecovered.get(username)?.add(messageId);
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
   * by now, so the answers of its own turns are told apart by id, not by time (a wall clock
   * set back would make old answers look new): the one streaming, those noted by `stored`,
   * and a conversation whose turn is starting is looked at again on the next pass.
   */
  #retry(): void {
    const pass = async () => {
      for (const [username, own] of this.#unrecovered) {
        if (this.#closing) return;
        const result = await this.#recoverUser(username, own).catch(() => null);
        if (result === null || result.starting) continue;
        this.#unrecovered.delete(username);
        this.deps.logger.info('the conversations of a user can be read again', {
          user: username,
          recovered: result.recovered,
        });
      }
      if (this.#unrecovered.size > 0 && !this.#closing) this.#retry();
    };
    this.#timer = setTimeout(() => {
      this.#pass = pass().finally(() => {
        this.#pass = undefined;
      });
    }, this.deps.retryMs);
    this.#timer.unref();
  }

  /**
   * Marks the user's answers left STREAMING INCOMPLETE, but for those of this process's turns
   * (`own`, and the one streaming). `starting`: a conversation was passed over because its turn
   * was starting, and its answers are still to be looked at.
   */
  async #recoverUser(
    username: string,
    own: ReadonlySet<string> = new Set(),
  ): Promise<{ recovered: number; starting: boolean }> {
    const { store, liveAnswer } = this.deps;
    let recovered = 0;
    let starting = false;
    for (const summary of await store.listConversations(username)) {
      const conversationId = summary.data.id;
      const conversation = await store.getConversation(username, conversationId);
      // Asked after the read: a turn that started before it may have stored its answer there.
      // A turn open here is not skipped whole: the answer the last stop cut off is still marked.
      const live = liveAnswer(username, conversationId);
      if (live === null) {
        starting = true;
        continue;
      }
      for (const message of conversation?.messages ?? []) {
        if (message.status !== 'STREAMING' || message.id === live || own.has(message.id)) continue;
        await store.updateMessage(username, conversationId, message.id, {
          status: 'INCOMPLETE',
          error: { code: 'STREAM_INTERRUPTED', message: SERVER_STOPPED_MESSAGE, retryable: true },
        });
        recovered++;
      }
    }
    return { recovered, starting };
  }
}
