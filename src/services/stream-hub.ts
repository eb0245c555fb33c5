/**
 * Live streams of chat turns. Numbers each assistant message's events (`seq` from 1), keeps a
 * bounded replay buffer per turn (chat/turn-buffer.ts; kept for `replayTtlMs` after the turn
 * ends), and publishes to subscribers, who may join at any time with `after: seq` and then
 * receive every later event exactly once, in order. Deltas published within one tick are
 * coalesced into one TEXT_DELTA, so the event rate does not depend on how finely the upstream
 * splits its tokens. Every turn's coalesced delta is published from one shared immediate, so
 * the frames they cause go out together (see http/graphql-ws.ts) rather than one socket write
 * each. Coalescing is bounded in size and age: once the oldest waiting delta of any turn is
 * `maxCoalesceMs` old, the next delta published publishes every waiting one. A busy server
 * reads every upstream socket in one long tick, and the SDK reads already-buffered bytes in one
 * long run of microtasks; the deltas read first would otherwise wait for all of it.
 */
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { PubSub } from './chat/pubsub.js';
import { Subscription } from './chat/subscription.js';
import {
  type BufferBounds,
  type Buffered,
  bufferEvent,
  eventAt,
  newTurnBuffer,
  replayEvicted,
  type TurnBuffer,
  textDelta,
} from './chat/turn-buffer.js';
import { DomainError } from './errors.js';
import { ownerKey } from './owner-key.js';
import type { ChatEvent, SubscribeOptions } from './types.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as a turn publishes it; the hub adds the ids and the seq. */
export type ChatEventPayload = DistributiveOmit<ChatEvent, 'conversationId' | 'messageId' | 'seq'>;

export interface TurnPublisher {
  /** TEXT_DONE and STREAM_ERROR end the turn; later events are ignored. */
  publish(event: ChatEventPayload): void;
}

export interface StreamHubOptions {
  /** How long a finished turn stays replayable. */
  replayTtlMs: number;
  /** @default 10_000 */
  maxTurnEvents?: number;
  /** @default 8 MiB */
  maxTurnBytes?: number;
  /** Across all finished turns kept for replay. @default 64 MiB */
  maxFinishedBytes?: number;
  /** Per subscriber, before it is ended with SubscriberOverflowError. @default 10_000 */
  maxQueuedEvents?: number;
  /** Waiting deltas are published once the oldest is this old, even within one tick. @default 5 */
  maxCoalesceMs?: number;
  /** ...or once it holds this many characters. @default 8_192 */
  maxCoalesceChars?: number;
}

/** The events a subscriber asked for have left the replay buffer. */
export class ReplayGapError extends Error {
  override name = 'ReplayGapError';
  readonly code = 'REPLAY_GAP';
}

export class StreamHub {
  readonly #pubsub = new PubSub<{ event: ChatEvent }>();
  /** Turns of each conversation still in flight or replayable, oldest first. */
  readonly #turns = new Map<string, TurnBuffer[]>();
  readonly #finished: LRUCache<string, TurnBuffer>;
  /** Each live subscription, with its topic. */
  readonly #subscriptions = new Map<Subscription<ChatEvent>, string>();
  /** Turns that may hold a coalesced delta: published by `#flush`, or sooner by the age bound. */
  #pending = new Set<TurnBuffer>();
  /** `performance.now()` when the first turn of `#pending` joined it. */
  #pendingSince = 0;
  #flush: NodeJS.Immediate | null = null;
  readonly #bounds: BufferBounds;
  readonly #maxQueued: number;
  readonly #maxCoalesceMs: number;
  readonly #maxCoalesceChars: number;

  constructor(options: StreamHubOptions) {
    this.#maxCoalesceMs = options.maxCoalesceMs ?? 5;
    this.#maxCoalesceChars = options.maxCoalesceChars ?? 8_192;
    this.#bounds = {
      maxEvents: options.maxTurnEvents ?? 10_000,
      maxBytes: options.maxTurnBytes ?? 8 * 1024 * 1024,
    };
    this.#maxQueued = options.maxQueuedEvents ?? 10_000;
    this.#finished = new LRUCache<string, TurnBuffer>({
      ttl: options.replayTtlMs,
      ttlAutopurge: true,
      maxSize: options.maxFinishedBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (turn) => Math.max(1, turn.bytes),
      dispose: (turn) => this.#forget(turn),
    });
  }

  /** Starts the stream of one assistant message of `owner`'s conversation. */
  openTurn(owner: string, conversationId: string, messageId: string): TurnPublisher {
    const topic = topicOf(owner, conversationId);
    const turn = newTurnBuffer(topic, conversationId, messageId);
    const turns = this.#turns.get(topic) ?? [];
    turns.push(turn);
    this.#turns.set(topic, turns);
    return {
      publish: (event) => {
        if (turn.ended) return;
        if (event.type === 'TEXT_DELTA') {
          const now = performance.now();
          if (this.#pending.size > 0 && now - this.#pendingSince >= this.#maxCoalesceMs) {
            this.#publishPending();
          }
          turn.pendingDelta += event.delta;
          if (turn.pendingDelta.length >= this.#maxCoalesceChars) {
            this.#flushDelta(turn);
          } else {
            if (this.#pending.size === 0) this.#pendingSince = now;
            this.#pending.add(turn);
            this.#flush ??= setImmediate(this.#flushPending);
          }
          return;
        }
        this.#flushDelta(turn);
        this.#emit(turn, event);
        if (event.type === 'TEXT_DONE' || event.type === 'STREAM_ERROR') this.#end(turn);
      },
    };
  }

  /**
   * Replays the buffered events of the turn `messageId` (default: the latest turn) with a seq
   * above `after`, then the later turns whole, then goes live until `signal` aborts.
   */
  subscribe(
    owner: string,
    conversationId: string,
    options: SubscribeOptions = {},
  ): AsyncIterableIterator<ChatEvent> {
    const topic = topicOf(owner, conversationId);
    const delivered = new Map<string, number>();
    const subscription: Subscription<ChatEvent> = new Subscription(this.#maxQueued, () => {
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
      this.#subscriptions.delete(subscription);
      options.onEnd?.();
    });
    const deliver = (event: ChatEvent, replayed = false) => {
      if (event.seq <= (delivered.get(event.messageId) ?? 0)) return;
      delivered.set(event.messageId, event.seq);
      subscription.push(event, !replayed);
    };
    // A domain error as the abort's reason ends the stream with it (a revoked token, say).
    const onAbort = () => {
      const reason: unknown = options.signal?.reason;
      subscription.end(reason instanceof DomainError ? reason : undefined);
    };
    // Listening starts before the replay is read; both happen in this synchronous block, and
    // `delivered` drops anything seen twice.
    const unsubscribe = this.#pubsub.subscribe('event', topic, (event) => deliver(event));
    this.#subscriptions.set(subscription, topic);
    if (options.signal?.aborted) {
      onAbort();
      return subscription;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const gap = (messageId: string | null, from: number) => {
      const which = messageId === null ? 'the answer it was given for' : `message ${messageId}`;
      subscription.end(
        new ReplayGapError(`Events after seq ${from} of ${which} are no longer buffered`),
      );
      return subscription;
    };
    const after = options.after ?? 0;
    const messageId = options.messageId ?? null;
    // Seqs count per answer: once a newer answer is buffered, `after` alone may be a seq of
    // either, and taking it for the newer one would skip that answer's start unseen.
    if (messageId === null && after > 0 && (this.#turns.get(topic)?.length ?? 0) > 1) {
      subscription.end(
        new ReplayGapError(
          `A newer answer has started: seq ${after} without its messageId is ambiguous`,
        ),
      );
      return subscription;
    }
    const plan = this.#replayPlan(topic, messageId, after);
    if (plan === null) return gap(messageId, after);
    for (const { turn, from } of plan) {
      if (from < turn.evictedThrough && !replayEvicted(turn, from, deliver)) {
        return gap(turn.messageId, from);
      }
      for (let i = Math.max(0, from - turn.evictedThrough); i < turn.events.length; i++) {
        deliver(eventAt(turn, i), true);
      }
    }
    return subscription;
  }

  /**
   * Ends the streams of `owner`'s conversation with `error` and forgets its turns (the
   * conversation was deleted).
   */
  endStreams(owner: string, conversationId: string, error: Error): void {
    const topic = topicOf(owner, conversationId);
    for (const [subscription, of] of [...this.#subscriptions]) {
      if (of === topic) subscription.end(error);
    }
    for (const turn of this.#turns.get(topic) ?? []) {
      turn.ended = true;
      this.#pending.delete(turn);
      this.#finished.delete(turn.messageId);
    }
    this.#turns.delete(topic);
  }

  /** How many subscriptions are open (each holds a listener and a queue until it ends). */
  get openSubscriptions(): number {
    return this.#subscriptions.size;
  }

  /** Ends every subscription and drops every buffer. */
  close(): void {
    for (const subscription of [...this.#subscriptions.keys()]) subscription.end();
    if (this.#flush) clearImmediate(this.#flush);
    this.#flush = null;
    this.#pending.clear();
    this.#turns.clear();
    this.#finished.clear();
  }

  /**
   * What to replay, turn by turn; null when the turn the client names is no longer buffered
   * (past the replay TTL, or never streamed here): whether it missed the end is unknown, so it
   * must read the conversation instead. Without `messageId`, `after` is a seq of
   * the latest turn (the only one buffered); one that turn has not reached (or no turn at all)
   * belongs to an earlier one.
   * With it, a seq that turn has not reached is a gap too.
   */
  #replayPlan(
    topic: string,
    messageId: string | null,
    after: number,
  ): Array<{ turn: TurnBuffer; from: number }> | null {
    const turns = this.#turns.get(topic) ?? [];
    if (messageId === null) {
      const latest = turns.at(-1);
      if (after > (latest?.lastSeq ?? 0)) return null;
      return latest ? [{ turn: latest, from: after }] : [];
    }
    const index = turns.findIndex((turn) => turn.messageId === messageId);
    // No longer buffered (past the replay TTL, or from before a restart): even a client that
    // saw none of it must read how it ended from the conversation; live, it would wait forever.
    if (index === -1) return null;
    // A seq the turn has not reached was never sent from it: the client's place is unknown.
    if (after > turns[index]!.lastSeq) return null;
    return turns.slice(index).map((turn, i) => ({ turn, from: i === 0 ? after : 0 }));
  }

  readonly #flushPending = (): void => {
    this.#flush = null;
    this.#publishPending();
  };

  #publishPending(): void {
    const turns = this.#pending;
    this.#pending = new Set();
    for (const turn of turns) this.#flushDelta(turn);
  }

  /** A turn left in `#pending` after this is skipped there, its delta being gone. */
  #flushDelta(turn: TurnBuffer): void {
    if (turn.pendingDelta === '' || turn.ended) return;
    const delta = turn.pendingDelta;
    turn.pendingDelta = '';
    this.#record(turn, textDelta(turn, delta, ++turn.lastSeq), delta);
  }

  #emit(turn: TurnBuffer, payload: ChatEventPayload): void {
    const event = {
      ...payload,
      conversationId: turn.conversationId,
      messageId: turn.messageId,
      seq: ++turn.lastSeq,
    } as ChatEvent;
    this.#record(turn, event, event);
  }

  /** Buffers `event` (as `buffered`) for replay and publishes it. */
  #record(turn: TurnBuffer, event: ChatEvent, buffered: Buffered): void {
    bufferEvent(turn, event, buffered, this.#bounds);
    this.#pubsub.publish('event', turn.topic, event);
  }

  #end(turn: TurnBuffer): void {
    turn.ended = true;
    this.#finished.set(turn.messageId, turn);
  }

  #forget(turn: TurnBuffer): void {
    const turns = this.#turns.get(turn.topic);
    if (!turns) return;
    const remaining = turns.filter((t) => t !== turn);
    if (remaining.length > 0) this.#turns.set(turn.topic, remaining);
    else this.#turns.delete(turn.topic);
  }
}

/** A stream is its owner's: conversation ids are unique only within one user's data. */
const topicOf = ownerKey;
