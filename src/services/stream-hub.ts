/**
 * Live streams of chat turns. Numbers each assistant message's events (`seq` from 1), keeps a
 * bounded replay buffer per turn (kept for `replayTtlMs` after the turn ends), and publishes to
 * subscribers, who may join at any time with `after: seq` and then receive every later event
 * exactly once, in order. Deltas published within one tick are coalesced into one TEXT_DELTA,
 * so the event rate does not depend on how finely the upstream splits its tokens. Every turn's
 * coalesced delta is published from one shared immediate, so the frames they cause go out
 * together (see http/graphql-ws.ts) rather than one socket write each. Coalescing is bounded in
 * size and age: once the oldest waiting delta of any turn is `maxCoalesceMs` old, the next delta
 * published publishes every waiting one. A busy server reads every upstream socket in one long
 * tick, and the SDK reads already-buffered bytes in one long run of microtasks; the deltas read
 * first would otherwise wait for all of it.
 */
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { PubSub } from './chat/pubsub.js';
import { Subscription } from './chat/subscription.js';
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

/**
 * A buffered event. A TEXT_DELTA, by far the commonest, is kept as its text alone (its seq is
 * its position), so a long answer's buffer holds its delta strings rather than one object each
 * for the garbage collector to carry into the old generation.
 */
type Buffered = ChatEvent | string;

interface TurnBuffer {
  /** The owner's and the conversation's streams are one topic (see `topicOf`). */
  topic: string;
  conversationId: string;
  messageId: string;
  /** Events with seq `evictedThrough + 1` onwards, without gaps. */
  events: Buffered[];
  bytes: number;
  /** Highest seq dropped from the front of `events` to respect the bounds. */
  evictedThrough: number;
  /** What was dropped, kept whole while the byte bound allows; null once it did not. */
  evicted: Evicted | null;
  /** The final text, once the buffered deltas are slices of it (see `shareFinalText`). */
  sharedText: string | null;
  lastSeq: number;
  pendingDelta: string;
  ended: boolean;
}

/**
 * The front of a long answer, dropped from `events` by the event-count bound: its TEXT_CREATED
 * and its deltas' text as one. A client that saw none of it (one that reread the conversation
 * and follows the answer from its start) still gets the whole answer, the dropped deltas as one
 * delta with the last dropped seq; a client that saw part of it gets REPLAY_GAP.
 */
interface Evicted {
  created: ChatEvent | null;
  /**
   * The dropped deltas' text: whole chunks, and the latest deltas not yet joined into one. A
   * string grown one delta at a time would cost a V8 node per delta, far beyond its count.
   */
  chunks: string[];
  pending: string[];
  chars: number;
  /** Characters of the text counted in the turn's `bytes` (none once it is shared, below). */
  countedChars: number;
  /** The seq of the first delta in the text. */
  textFrom: number;
}

const PENDING_DELTAS = 256;

const EVENT_OVERHEAD_BYTES = 96;

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
  readonly #maxTurnEvents: number;
  readonly #maxTurnBytes: number;
  readonly #maxQueued: number;
  readonly #maxCoalesceMs: number;
  readonly #maxCoalesceChars: number;

  constructor(options: StreamHubOptions) {
    this.#maxCoalesceMs = options.maxCoalesceMs ?? 5;
    this.#maxCoalesceChars = options.maxCoalesceChars ?? 8_192;
    this.#maxTurnEvents = options.maxTurnEvents ?? 10_000;
    this.#maxTurnBytes = options.maxTurnBytes ?? 8 * 1024 * 1024;
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
    const turn: TurnBuffer = {
      topic,
      conversationId,
      messageId,
      events: [],
      bytes: 0,
      evictedThrough: 0,
      evicted: { created: null, chunks: [], pending: [], chars: 0, countedChars: 0, textFrom: 0 },
      sharedText: null,
      lastSeq: 0,
      pendingDelta: '',
      ended: false,
    };
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
      if (from < turn.evictedThrough && !this.#replayEvicted(turn, from, deliver)) {
        return gap(turn.messageId, from);
      }
      for (let i = Math.max(0, from - turn.evictedThrough); i < turn.events.length; i++) {
        deliver(this.#eventAt(turn, i), true);
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

  /** Replays a turn's dropped front to a client that saw none of it; false if it saw part. */
  #replayEvicted(
    turn: TurnBuffer,
    from: number,
    deliver: (event: ChatEvent, replayed: boolean) => void,
  ): boolean {
    const evicted = turn.evicted;
    if (!evicted || (evicted.chars > 0 && from >= evicted.textFrom)) return false;
    if (evicted.created && from < evicted.created.seq) deliver(evicted.created, true);
    if (evicted.chars > 0)
      deliver(textDelta(turn, evictedText(evicted), turn.evictedThrough), true);
    return true;
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
    turn.events.push(buffered);
    turn.bytes += bufferedBytes(buffered);
    if (event.type === 'TEXT_DONE') shareFinalText(turn, event.text);
    if (event.type === 'STREAM_ERROR') shareFinalText(turn, event.partialText);
    this.#enforceBounds(turn);
    this.#pubsub.publish('event', turn.topic, event);
  }

  /**
   * Past the event count, the oldest events join `evicted` (their text stays counted in
   * `bytes`); past the byte size, `evicted` goes first, then the oldest events.
   */
  #enforceBounds(turn: TurnBuffer): void {
    let drop = 0;
    while (drop < turn.events.length - 1 && turn.events.length - drop > this.#maxTurnEvents) {
      const event = turn.events[drop++] as Buffered;
      const evicted = turn.evicted;
      if (evicted && typeof event === 'string') {
        if (evicted.chars === 0) evicted.textFrom = turn.evictedThrough + drop;
        evicted.chars += event.length;
        if (turn.sharedText !== null) {
          // The dropped text is a prefix of the final text: a longer slice of it.
          evicted.chunks = [turn.sharedText.slice(0, evicted.chars)];
          turn.bytes -= heldBytes(turn, event);
        } else {
          evicted.pending.push(event);
          evicted.countedChars += event.length;
          if (evicted.pending.length >= PENDING_DELTAS) evictedText(evicted);
          turn.bytes -= EVENT_OVERHEAD_BYTES;
        }
      } else if (evicted && typeof event !== 'string' && event.type === 'TEXT_CREATED') {
        evicted.created = event;
      } else {
        turn.bytes -= heldBytes(turn, event);
      }
    }
    while (turn.bytes > this.#maxTurnBytes && (turn.evicted || drop < turn.events.length - 1)) {
      if (turn.evicted) {
        turn.bytes -= evictedBytes(turn.evicted);
        turn.evicted = null;
      } else {
        turn.bytes -= heldBytes(turn, turn.events[drop++] as Buffered);
      }
    }
    turn.evictedThrough += drop;
    if (drop > 0) turn.events.splice(0, drop);
  }

  #eventAt(turn: TurnBuffer, index: number): ChatEvent {
    const buffered = turn.events[index] as Buffered;
    if (typeof buffered !== 'string') return buffered;
    return textDelta(turn, buffered, turn.evictedThrough + 1 + index);
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

/**
 * A TEXT_DELTA of `turn`, published or rebuilt from its buffered text. A literal rather than
 * `#emit`'s spread: it is nearly every event.
 */
function textDelta(turn: TurnBuffer, delta: string, seq: number): ChatEvent {
  return {
    type: 'TEXT_DELTA',
    delta,
    conversationId: turn.conversationId,
    messageId: turn.messageId,
    seq,
  };
}

function evictedBytes(evicted: Evicted): number {
  return (evicted.created ? EVENT_OVERHEAD_BYTES : 0) + evicted.countedChars * 2;
}

/** The dropped deltas' text; the pending deltas are joined into a chunk on the way. */
function evictedText(evicted: Evicted): string {
  if (evicted.pending.length > 0) {
    evicted.chunks.push(evicted.pending.join(''));
    evicted.pending = [];
  }
  if (evicted.chunks.length > 1) evicted.chunks = [evicted.chunks.join('')];
  return evicted.chunks[0] ?? '';
}

/** V8 copies shorter slices instead of sharing their parent's memory. */
const SHARED_SLICE_CHARS = 13;

/**
 * The final event holds the whole text again. When it is what the deltas add up to, the dropped
 * front and the kept deltas become slices of it, which share its memory: the text is counted,
 * and held, once.
 */
function shareFinalText(turn: TurnBuffer, final: string): void {
  const evicted = turn.evicted;
  const front = evicted && evicted.chars > 0 ? evictedText(evicted) : '';
  if (!final.startsWith(front)) return;
  let offset = front.length;
  for (const event of turn.events) {
    if (typeof event !== 'string') continue;
    if (!final.startsWith(event, offset)) return;
    offset += event.length;
  }
  if (evicted && evicted.countedChars > 0) {
    evicted.chunks = [final.slice(0, front.length)];
    turn.bytes -= evicted.countedChars * 2;
    evicted.countedChars = 0;
  }
  turn.sharedText = final;
  offset = front.length;
  turn.events.forEach((event, index) => {
    if (typeof event !== 'string') return;
    if (event.length >= SHARED_SLICE_CHARS) {
      turn.events[index] = final.slice(offset, offset + event.length);
      turn.bytes -= event.length * 2;
    }
    offset += event.length;
  });
}

/** What a buffered event holds: a delta that is a shared slice holds no text of its own. */
function heldBytes(turn: TurnBuffer, event: Buffered): number {
  if (typeof event === 'string' && turn.sharedText !== null && event.length >= SHARED_SLICE_CHARS) {
    return EVENT_OVERHEAD_BYTES;
  }
  return bufferedBytes(event);
}

function bufferedBytes(event: Buffered): number {
  if (typeof event === 'string') return EVENT_OVERHEAD_BYTES + event.length * 2;
  switch (event.type) {
    case 'TEXT_DONE':
      return EVENT_OVERHEAD_BYTES + event.text.length * 2;
    case 'STREAM_ERROR':
      return EVENT_OVERHEAD_BYTES + event.partialText.length * 2;
    default:
      return EVENT_OVERHEAD_BYTES;
  }
}
