/**
 * One turn's replay buffer: its events kept for clients that join late or come back, bounded in
 * count and bytes. Deltas are kept as their text alone; the front of a long answer dropped by
 * the count bound is kept as one text while the byte bound allows; once the final text is
 * known, the kept deltas become slices of it, so the text is held once.
 */
import type { ChatEvent } from '../types.js';

/**
 * A buffered event. A TEXT_DELTA, by far the commonest, is kept as its text alone (its seq is
 * its position), so a long answer's buffer holds its delta strings rather than one object each
 * for the garbage collector to carry into the old generation.
 */
export type Buffered = ChatEvent | string;

export interface TurnBuffer {
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

export interface BufferBounds {
  maxEvents: number;
  maxBytes: number;
}

const PENDING_DELTAS = 256;

const EVENT_OVERHEAD_BYTES = 96;

export function newTurnBuffer(
  topic: string,
  conversationId: string,
  messageId: string,
): TurnBuffer {
  return {
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
}

/** Keeps `event` (as `buffered`) within the bounds. */
export function bufferEvent(
  turn: TurnBuffer,
  event: ChatEvent,
  buffered: Buffered,
  bounds: BufferBounds,
): void {
  turn.events.push(buffered);
  turn.bytes += bufferedBytes(buffered);
  if (event.type === 'TEXT_DONE') shareFinalText(turn, event.text);
  if (event.type === 'STREAM_ERROR') shareFinalText(turn, event.partialText);
  enforceBounds(turn, bounds);
}

/** The event at `index` of `turn.events`. */
export function eventAt(turn: TurnBuffer, index: number): ChatEvent {
  const buffered = turn.events[index] as Buffered;
  if (typeof buffered !== 'string') return buffered;
  return textDelta(turn, buffered, turn.evictedThrough + 1 + index);
}

/** Replays a turn's dropped front to a client that saw none of it; false if it saw part. */
export function replayEvicted(
  turn: TurnBuffer,
  from: number,
  deliver: (event: ChatEvent, replayed: boolean) => void,
): boolean {
  const evicted = turn.evicted;
  if (!evicted || (evicted.chars > 0 && from >= evicted.textFrom)) return false;
  if (evicted.created && from < evicted.created.seq) deliver(evicted.created, true);
  if (evicted.chars > 0) deliver(textDelta(turn, evictedText(evicted), turn.evictedThrough), true);
  return true;
}

/**
 * A TEXT_DELTA of `turn`, published or rebuilt from its buffered text. A literal rather than
 * a spread: it is nearly every event.
 */
export function textDelta(turn: TurnBuffer, delta: string, seq: number): ChatEvent {
  return {
    type: 'TEXT_DELTA',
    delta,
    conversationId: turn.conversationId,
    messageId: turn.messageId,
    seq,
  };
}

/**
 * Past the event count, the oldest events join `evicted` (their text stays counted in
 * `bytes`); past the byte size, `evicted` goes first, then the oldest events.
 */
function enforceBounds(turn: TurnBuffer, bounds: BufferBounds): void {
  let drop = 0;
  while (drop < turn.events.length - 1 && turn.events.length - drop > bounds.maxEvents) {
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
  while (turn.bytes > bounds.maxBytes && (turn.evicted || drop < turn.events.length - 1)) {
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
