import { promises as fs } from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../logger.js';
import { StorageError } from '../errors.js';
import { appendDurably } from './atomic-file.js';
import { compact, retireFoldedJournal } from './compaction.js';
import type { Conversations } from './document.js';
import { applyOp, encodeOps, type JournalOp } from './journal.js';
import { JournalWriter } from './journal-writer.js';
import { type UserFiles, userFiles } from './user-files.js';
import { type LoadedUser, loadUser } from './user-loader.js';
import { validateUsername } from './validate.js';
import { SerialQueue } from './write-queue.js';

export interface UserDocumentsOptions {
  /** The directory of the users' files (`DATA_DIR/chats`). */
  chatsDir: string;
  logger: Logger;
  /** How many users' parsed documents stay in memory. @default 200 */
  cacheSize?: number;
  /** Journal size that triggers compaction. @default max(1 MiB, half the snapshot) */
  compactBytes?: number;
  /** See `JsonConversationStoreOptions.refuseUnrecoverable`. @default false */
  refuseUnrecoverable?: boolean;
}

/** A change: validated against the document, then expressed as journal operations. */
export interface Change<T> {
  ops: JournalOp[];
  /** Computed after the operations were applied; must not alias the document. */
  result: (conversations: Conversations) => T;
}

/** A loaded user: the document and what compaction needs to know about its files. */
interface UserState extends LoadedUser {
  compactionQueued: boolean;
}

/** Per-user machinery; dropped when the user has no work in progress. */
interface Shard {
  files: UserFiles;
  /** Serializes loads, in-memory changes and compaction. */
  queue: SerialQueue;
  /** Group-commits journal appends. */
  writer: JournalWriter;
}

/** What one compaction does besides folding a journal past the threshold. */
interface CompactionOptions {
  /** Fold whatever the journal holds, past the threshold or not. */
  force?: boolean;
  /** Then remove the folded journal (`retireFoldedJournal`): at `close()` and `release()`. */
  retireFolded?: boolean;
  /** Also fold a `journal.old` the snapshot may lack, even when the journal is empty. */
  foldOld?: boolean;
}

const MIB = 1024 * 1024;

/**
 * Each user's document in memory, and what keeps it durable (see `JsonConversationStore`): a
 * queue per user for loads, changes and compactions, a group-committing journal writer, and a
 * fold of the journal into the snapshot once it grows past the threshold.
 */
export class UserDocuments {
  private readonly chatsDir: string;
  private readonly logger: Logger;
  private readonly compactBytes: number | undefined;
  private readonly refuseUnrecoverable: boolean;
  private readonly cache: LRUCache<string, UserState>;
  private readonly shards = new Map<string, Shard>();

  constructor(options: UserDocumentsOptions) {
    this.chatsDir = options.chatsDir;
    this.logger = options.logger;
    this.compactBytes = options.compactBytes;
    this.refuseUnrecoverable = options.refuseUnrecoverable ?? false;
    this.cache = new LRUCache({ max: options.cacheSize ?? 200 });
  }

  /** Reads from the cached document, loading it through the user's queue when needed. */
  async read<T>(username: string, view: (conversations: Conversations) => T): Promise<T> {
    validateUsername(username);
    const cached = this.cache.get(username);
    if (cached) return view(cached.conversations);
    return this.withShard(username, (shard) =>
      shard.queue.run(async () => view((await this.state(username, shard)).conversations)),
    );
  }

  /**
   * Runs a change in the user's queue: validate, apply to the cached document, hand the
   * operations to the group-committing writer. Resolves once they are durable.
   */
  async change<T>(username: string, plan: (conversations: Conversations) => Change<T>): Promise<T> {
    validateUsername(username);
    return this.withShard(username, async (shard) => {
      const { durable, result } = await shard.queue.run(async () => {
        const { conversations } = await this.state(username, shard);
        const { ops, result } = plan(conversations);
        // Encoded first: a change that cannot be written must not be in the cached document.
        const encoded = ops.length > 0 ? encodeOps(ops) : null;
        for (const op of ops) applyOp(conversations, op);
        const durable = encoded === null ? undefined : shard.writer.append(encoded);
        return { durable, result: result(conversations) };
      });
      await durable;
      return result;
    });
  }

  /** Waits until every change queued so far is durable and any compaction under way has finished. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.shards.keys()].map((username) =>
        this.withShard(username, (shard) => shard.queue.run(() => shard.writer.settled())),
      ),
    );
  }

  /**
   * Folds the journals of every user in memory into their snapshots, retiring the folded
   * journals, and empties the cache. Every user is tried; rejects with the first failure.
   */
  async close(): Promise<void> {
    const users = new Set([...this.shards.keys(), ...this.cache.keys()]);
    const results = await Promise.allSettled(
      [...users].map((username) => this.compactUser(username, { force: true, retireFolded: true })),
    );
    this.cache.clear();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Folds one user's journals (a `journal.old` too) and drops the user from memory. */
  async release(username: string): Promise<void> {
    await this.read(username, () => undefined);
    await this.compactUser(username, { force: true, retireFolded: true, foldOld: true });
    this.cache.delete(username);
  }

  /** The user's document; loaded from disk only after every pending append is durable. */
  private async state(username: string, shard: Shard): Promise<UserState> {
    const cached = this.cache.get(username);
    if (cached) return cached;
    await shard.writer.settled();
    const state: UserState = {
      ...(await loadUser(shard.files, this.logger, {
        refuseUnrecoverable: this.refuseUnrecoverable,
      })),
      compactionQueued: false,
    };
    this.cache.set(username, state);
    this.scheduleCompaction(username, state);
    return state;
  }

  private threshold(state: UserState): number {
    return this.compactBytes ?? Math.max(MIB, state.snapshotBytes / 2);
  }

  private async append(username: string, files: UserFiles, text: string): Promise<void> {
    const state = this.cache.peek(username);
    const newFile = !state || state.journalBytes === 0;
    if (newFile) await fs.mkdir(files.dir, { recursive: true });
    // A new journal's directory entry is synced by the append, which is taken back if it fails.
    await appendDurably(files.journal, text);
    if (!state) return;
    state.journalBytes += Buffer.byteLength(text);
    this.scheduleCompaction(username, state);
  }

  /** Queues a compaction once the journal is past the threshold. */
  private scheduleCompaction(username: string, state: UserState): void {
    if (state.compactionQueued || state.journalBytes <= this.threshold(state)) return;
    state.compactionQueued = true;
    this.compactUser(username).catch((error: unknown) => {
      this.logger.error('Compaction failed; the journal keeps every change', {
        user: username,
        error,
      });
    });
  }

  /** Folds the user's journal into the snapshot when it is past the threshold (see the options). */
  private compactUser(
    username: string,
    { force = false, retireFolded = false, foldOld = false }: CompactionOptions = {},
  ): Promise<void> {
    return this.withShard(username, (shard) =>
      shard.queue.run(async () => {
        await shard.writer.settled();
        const state = this.cache.peek(username);
        if (!state) return;
        state.compactionQueued = false;
        const pending = state.journalBytes > 0 || (foldOld && !state.journalOldCovered);
        const due = pending && (force || state.journalBytes > this.threshold(state));
        try {
          if (due) {
            state.snapshotBytes = await compact(
              shard.files,
              state.conversations,
              state.journalOldCovered,
            );
            state.journalBytes = 0;
            state.journalOldCovered = true;
          }
          if (retireFolded && state.journalOldCovered) {
            await retireFoldedJournal(shard.files, state.conversations);
          }
        } catch (error) {
          // The files are between steps: reload from them rather than guess.
          this.cache.delete(username);
          throw new StorageError(`Could not compact the conversations of ${username}`, {
            cause: error,
          });
        }
      }),
    );
  }

  /** Runs `work` with the user's shard, creating it on demand and dropping it once idle. */
  private async withShard<T>(username: string, work: (shard: Shard) => Promise<T>): Promise<T> {
    let shard = this.shards.get(username);
    if (!shard) {
      const files = userFiles(this.chatsDir, username);
      shard = {
        files,
        queue: new SerialQueue(),
        writer: new JournalWriter(
          (text) => this.append(username, files, text),
          (error) => {
            this.cache.delete(username);
            this.logger.error('Could not append to the journal', { user: username, error });
          },
        ),
      };
      this.shards.set(username, shard);
    }
    try {
      return await work(shard);
    } finally {
      if (shard.queue.idle && shard.writer.idle && this.shards.get(username) === shard) {
        this.shards.delete(username);
      }
    }
  }
}
