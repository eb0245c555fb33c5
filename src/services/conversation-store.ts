import path from 'node:path';
import { createLogger, type Logger } from '../logger.js';
import { ConflictError, QuotaExceededError, ValidationError } from './errors.js';
import { lockDataDir, removeLeftoverTempFiles } from './store/data-dir.js';
import type { DataLock } from './store/data-lock.js';
import { legacyIdOf, recordDeletion } from './store/deletions.js';
import {
  byLastUpdateDesc,
  readableCopy,
  readableHeader,
  requireConversation,
  requireMessage,
  summarize,
} from './store/document.js';
import { newConversationId, newMessageId } from './store/ids.js';
import { type ConversationHeader, headerOp, type JournalOp, messageOp } from './store/journal.js';
import { cloneJson } from './store/json-clone.js';
import {
  buildHeader,
  buildMessage,
  checkConversation,
  copyMetadata,
  patchedHeader,
  patchMessage,
  requireText,
} from './store/records.js';
import { TickBatcher } from './store/tick-batcher.js';
import { UserDocuments } from './store/user-documents.js';
import { ownersIn, userFiles } from './store/user-files.js';
import { isValidUsername, validateId, validateUsername } from './store/validate.js';
import type {
  ConversationPatch,
  ConversationStore,
  ConversationSummary,
  CreateConversationOptions,
  MessagePatch,
  NewMessage,
  StoredConversation,
  StoredMessage,
} from './types.js';

export interface JsonConversationStoreOptions {
  /** `chats/` and the `.lock` file live here. */
  dataDir: string;
  /** @default warnings and errors to stderr */
  logger?: Logger;
  /** How many users' parsed documents stay in memory. @default 200 */
  cacheSize?: number;
  /** Journal size that triggers compaction. @default max(1 MiB, half the snapshot) */
  compactBytes?: number;
  /**
   * A damaged snapshot with no usable backup refuses the user's files (a StorageError) rather
   * than starting from the journals alone. @default false (the server must go on serving)
   */
  refuseUnrecoverable?: boolean;
}

/** A streaming checkpoint waiting to be written. */
interface TextPiece {
  conversationId: string;
  messageId: string;
  from: number;
  text: string;
}

const now = () => Date.now() / 1000;

/**
 * The seed's ConversationManager over `DATA_DIR/chats/{username}.json`.
 *
 * Each user's JSON file is a snapshot; every change is appended to `{username}.journal`
 * (fsynced before the call resolves) and folded into the snapshot in the background once the
 * journal grows past `compactBytes`, and on `close()`. Loading replays the journals over the
 * snapshot. Changes are applied to the cached document at once and acknowledged when durable;
 * a failed append rejects the affected calls and drops the cached document, so the next call
 * sees what is on disk.
 *
 * `open()` takes the data-directory lock, which guards against a second process; methods
 * called without `open()` work too, unguarded (tools and tests use that).
 */
export class JsonConversationStore implements ConversationStore {
  private readonly dataDir: string;
  private readonly chatsDir: string;
  private readonly logger: Logger;
  private readonly documents: UserDocuments;
  private lock: DataLock | null = null;
  /** Checkpoints of one user made in one tick become one change and one journal append. */
  private readonly textPieces = new TickBatcher<TextPiece>((username, pieces) =>
    this.appendTextPieces(username, pieces),
  );

  constructor(options: JsonConversationStoreOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.chatsDir = path.join(this.dataDir, 'chats');
    this.logger = options.logger ?? createLogger('warn');
    this.documents = new UserDocuments({
      chatsDir: this.chatsDir,
      logger: this.logger,
      cacheSize: options.cacheSize,
      compactBytes: options.compactBytes,
      refuseUnrecoverable: options.refuseUnrecoverable,
    });
  }

  async open(): Promise<void> {
    if (this.lock) return;
    this.lock = await lockDataDir(this.dataDir, this.chatsDir, this.logger);
    await removeLeftoverTempFiles(this.dataDir, this.chatsDir, this.logger);
  }

  /**
   * Waits until every change queued so far is durable and any compaction under way has
   * finished. `close()` does this too, then compacts and releases the lock.
   */
  async flush(): Promise<void> {
    await this.textPieces.flushNow();
    await this.documents.flush();
  }

  async close(): Promise<void> {
    await this.textPieces.flushNow();
    try {
      await this.documents.close();
    } finally {
      await this.lock?.release();
      this.lock = null;
    }
  }

  /**
   * Folds the user's journals into the snapshot and drops the user's document from memory, for
   * a bulk import that goes user by user (`close()` folds only the users still in memory).
   * Unlike the fold at `close()`, it also folds a `journal.old` an interrupted fold left
   * behind, so the snapshot is rebuilt even when nothing was written since.
   */
  async release(username: string): Promise<void> {
    await this.documents.release(username);
  }

  async createConversation(
    username: string,
    chatName: string,
    options: CreateConversationOptions = {},
  ): Promise<StoredConversation> {
    const id = options.id ?? newConversationId();
    const createdAt = options.createdAt ?? now();
    const data = {
      id,
      created_at: createdAt,
      metadata: cloneJson(options.metadata ?? {}),
      object: 'conversation' as const,
    };
    const messages = (options.messages ?? []).map((input) =>
      buildMessage(input, input.id ?? newMessageId(), createdAt),
    );
    if (new Set(messages.map((message) => message.id)).size < messages.length) {
      throw new ConflictError('A new conversation cannot hold one message id twice');
    }
    const last = messages.at(-1);
    const header = buildHeader(
      data,
      chatName,
      last?.timestamp ?? createdAt,
      messages.findLast((message) => message.response_id !== null)?.response_id ?? null,
    );
    return this.documents.change(username, (conversations) => {
      if (conversations.has(id)) throw new ConflictError(`Conversation ${id} already exists`);
      const max = options.maxConversations ?? 0;
      if (max > 0 && conversations.size >= max) {
        throw new QuotaExceededError(
          `You have ${conversations.size} conversations, the most allowed is ${max}: delete some to start another`,
          { limit: max },
        );
      }
      // With messages, one `put` line: a crash keeps the conversation with them or not at all.
      const ops: JournalOp[] =
        messages.length === 0
          ? [headerOp(id, header)]
          : [{ op: 'put', id, conversation: { ...header, messages } }];
      return { ops, result: (all) => cloneJson(all.get(id)!) };
    });
  }

  async getConversation(
    username: string,
    conversationId: string,
  ): Promise<StoredConversation | null> {
    validateId(conversationId, 'conversation id');
    return this.documents.read(username, (conversations) => {
      const conversation = conversations.get(conversationId);
      return conversation ? readableCopy(conversation) : null;
    });
  }

  async listConversations(username: string): Promise<ConversationSummary[]> {
    return this.documents.read(username, (conversations) =>
      [...conversations.values()].map(summarize).sort(byLastUpdateDesc),
    );
  }

  /**
   * Appends a message; `last_update` becomes its timestamp, and a message that carries a
   * `response_id` also becomes the conversation's `last_response_id` (as in the seed).
   */
  async addMessage(
    username: string,
    conversationId: string,
    input: NewMessage,
  ): Promise<StoredMessage> {
    const [message] = await this.addMessages(username, conversationId, [input]);
    return message!;
  }

  /** Appends several messages in order, as one durable write (a turn's question and answer). */
  async addMessages(
    username: string,
    conversationId: string,
    inputs: readonly NewMessage[],
  ): Promise<StoredMessage[]> {
    validateId(conversationId, 'conversation id');
    const messages = inputs.map((input) => buildMessage(input, input.id ?? newMessageId(), now()));
    return this.documents.change(username, (conversations) => {
      const conversation = requireConversation(conversations, conversationId);
      const current = readableHeader(conversation);
      const ids = new Set(conversation.messages.map((existing) => existing.id));
      let responseId = current.last_response_id;
      for (const message of messages) {
        if (ids.has(message.id)) throw new ConflictError(`Message ${message.id} already exists`);
        ids.add(message.id);
        responseId = message.response_id ?? responseId;
      }
      const last = messages.at(-1);
      if (!last) return { ops: [], result: () => [] };
      const header = buildHeader(current.data, current.chat_name, last.timestamp, responseId);
      return {
        ops: [
          headerOp(conversationId, header),
          ...messages.map((message) => ({ op: 'msg' as const, conv: conversationId, message })),
        ],
        result: () => cloneJson(messages),
      };
    });
  }

  /**
   * Replaces the given fields of a message (the final text); with `header`, also sets those
   * fields of the conversation, in the same journal append.
   */
  async updateMessage(
    username: string,
    conversationId: string,
    messageId: string,
    patch: MessagePatch,
    header?: ConversationPatch,
  ): Promise<StoredMessage> {
    validateId(conversationId, 'conversation id');
    validateId(messageId, 'message id');
    const metadata = copyMetadata(header);
    return this.documents.change(username, (conversations) => {
      const conversation = requireConversation(conversations, conversationId);
      const current = requireMessage(conversation, messageId);
      const message = patchMessage(current, patch);
      const ops: JournalOp[] = [messageOp(conversationId, current, message)];
      if (header) {
        ops.push(headerOp(conversationId, patchedHeader(conversation, header, metadata)));
      }
      return { ops, result: () => cloneJson(message) };
    });
  }

  /**
   * A streaming checkpoint: the message's text becomes its first `from` characters followed by
   * `text`, and only `text` is written. Throws ConflictError when the stored text is shorter
   * than `from` (a piece went missing). Applied at the end of the current tick together with
   * the user's other pieces (one journal append for all the answers streaming at once), so a
   * change called meanwhile may be applied first.
   */
  async appendMessageText(
    username: string,
    conversationId: string,
    messageId: string,
    from: number,
    text: string,
  ): Promise<void> {
    validateId(conversationId, 'conversation id');
    validateId(messageId, 'message id');
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new ValidationError('from must be a non-negative integer');
    }
    if (typeof text !== 'string') throw new ValidationError('text must be a string');
    validateUsername(username);
    return this.textPieces.add(username, { conversationId, messageId, from, text });
  }

  /** One change for the pieces; each is checked on its own and fails alone. */
  private appendTextPieces(username: string, pieces: TextPiece[]): Promise<Array<unknown>> {
    return this.documents.change(username, (conversations) => {
      const ops: JournalOp[] = [];
      const outcomes: unknown[] = [];
      // A message's text length once the earlier pieces of this batch are applied.
      const lengths = new Map<StoredMessage, number>();
      for (const { conversationId, messageId, from, text } of pieces) {
        try {
          const conversation = requireConversation(conversations, conversationId);
          const current = requireMessage(conversation, messageId);
          const length = lengths.get(current) ?? current.text.length;
          if (length < from) {
            throw new ConflictError(
              `Message ${messageId} has ${length} characters; cannot extend from ${from}`,
            );
          }
          lengths.set(current, from + text.length);
          ops.push({ op: 'text', conv: conversationId, id: messageId, from, text });
          outcomes.push(undefined);
        } catch (error) {
          outcomes.push(error);
        }
      }
      return { ops, result: () => outcomes };
    });
  }

  /** Throws NotFoundError for an unknown conversation. */
  async getLastResponseId(username: string, conversationId: string): Promise<string | null> {
    validateId(conversationId, 'conversation id');
    return this.documents.read(
      username,
      (conversations) => requireConversation(conversations, conversationId).last_response_id,
    );
  }

  /** Sets the given header fields; `metadata` replaces `data.metadata` as a whole. */
  async updateConversationMetadata(
    username: string,
    conversationId: string,
    patch: ConversationPatch,
  ): Promise<StoredConversation> {
    validateId(conversationId, 'conversation id');
    const metadata = copyMetadata(patch);
    return this.updateHeader(username, conversationId, (conversation) =>
      patchedHeader(conversation, patch, metadata),
    );
  }

  async renameConversation(
    username: string,
    conversationId: string,
    chatName: string,
  ): Promise<StoredConversation> {
    validateId(conversationId, 'conversation id');
    requireText(chatName, 'chat name');
    return this.updateConversationMetadata(username, conversationId, { chat_name: chatName });
  }

  /** False when there was no such conversation. */
  async deleteConversation(username: string, conversationId: string): Promise<boolean> {
    validateId(conversationId, 'conversation id');
    const legacyId = await this.documents.read(username, (conversations) =>
      legacyIdOf(conversations.get(conversationId)?.data?.metadata),
    );
    // Recorded first: a crash in between leaves the conversation, never a deletion forgotten.
    if (legacyId) {
      await recordDeletion(userFiles(this.chatsDir, username).deleted, {
        id: conversationId,
        legacy_id: legacyId,
        deleted_at: Math.floor(now()),
      });
    }
    return this.documents.change(username, (conversations) => {
      if (!conversations.has(conversationId)) return { ops: [], result: () => false };
      return { ops: [{ op: 'del', id: conversationId }], result: () => true };
    });
  }

  /**
   * Inserts or replaces whole conversations (migration), durable with one append; each is one
   * journal line, so a crash never leaves one half replaced.
   */
  async putConversations(username: string, conversations: StoredConversation[]): Promise<void> {
    const copies = conversations.map((conversation) => checkConversation(cloneJson(conversation)));
    return this.documents.change(username, () => ({
      ops: copies.map(
        (conversation): JournalOp => ({
          op: 'put',
          id: conversation.data.id,
          conversation,
        }),
      ),
      result: () => undefined,
    }));
  }

  async listUsers(): Promise<string[]> {
    return (await ownersIn(this.chatsDir)).filter(isValidUsername);
  }

  private updateHeader(
    username: string,
    conversationId: string,
    update: (conversation: StoredConversation) => ConversationHeader,
  ): Promise<StoredConversation> {
    return this.documents.change(username, (conversations) => {
      const header = update(requireConversation(conversations, conversationId));
      return {
        ops: [headerOp(conversationId, header)],
        result: (all) => readableCopy(all.get(conversationId)!),
      };
    });
  }
}
