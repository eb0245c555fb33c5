/**
 * What the main thread and an upstream thread say to each other. Errors cross the thread as
 * plain data and are rebuilt as the SDK's own classes, so error mapping (`instanceof
 * RateLimitError`, `error.code`) works the same on either side.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ResponseInputItem,
  ResponseStreamEvent,
  ResponseTextDeltaEvent,
} from 'openai/resources/responses/responses';
import { describeError } from '../chat/error-mapping.js';
import { ModelUnavailableError } from '../responses-client.js';

export type ToThread =
  | { t: 'open'; id: number; input: ResponseInputItem[]; previousResponseId: string | null }
  | { t: 'abort'; id: number };

/** Sent in batches: one `postMessage` per turn of the thread's event loop. */
export type FromThread =
  | { t: 'opened'; id: number; model: string }
  | { t: 'events'; id: number; events: WireEvent[] }
  | { t: 'end'; id: number }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: object };

/**
 * A stream event as it crosses the thread: a string, or a string and the delta's `obfuscation`
 * padding, is a text delta packed by `DeltaPacker`. Copying an object between threads costs
 * far more than copying a string, and text deltas are nearly all of a stream.
 */
export type WireEvent = ResponseStreamEvent | string | [delta: string, obfuscation: string];

/** A text delta as the API sends it; `obfuscation` unless `include_obfuscation` is false. */
type TextDelta = ResponseTextDeltaEvent & { obfuscation?: string };

/**
 * A text delta with the API's fields only (and the obfuscation padding at most) and no logprobs:
 * one that can travel as its text.
 */
function isPlainDelta(event: ResponseStreamEvent): event is TextDelta {
  if (event.type !== 'response.output_text.delta') return false;
  const padding = (event as TextDelta).obfuscation;
  return (
    Array.isArray(event.logprobs) &&
    event.logprobs.length === 0 &&
    (padding === undefined || typeof padding === 'string') &&
    Object.keys(event).length === (padding === undefined ? 7 : 8)
  );
}

/**
 * Packs one stream's events: a plain text delta that continues the previous one (same content
 * part, next sequence number) travels as its text; `DeltaUnpacker` rebuilds it field for field.
 */
export class DeltaPacker {
  #last: TextDelta | null = null;

  pack(event: ResponseStreamEvent): WireEvent {
    const last = this.#last;
    if (!isPlainDelta(event)) {
      this.#last = null;
      return event;
    }
    this.#last = event;
    const continues =
      last !== null &&
      event.sequence_number === last.sequence_number + 1 &&
      event.item_id === last.item_id &&
      event.output_index === last.output_index &&
      event.content_index === last.content_index;
    if (!continues) return event;
    return event.obfuscation === undefined ? event.delta : [event.delta, event.obfuscation];
  }
}

export class DeltaUnpacker {
  #last: TextDelta | null = null;

  unpack(item: WireEvent): ResponseStreamEvent {
    if (typeof item !== 'string' && !Array.isArray(item)) {
      this.#last = isPlainDelta(item) ? item : null;
      return item;
    }
    const last = this.#last;
    if (!last) throw new Error('A packed delta arrived without the delta it continues');
    const event: TextDelta = {
      type: 'response.output_text.delta',
      sequence_number: last.sequence_number + 1,
      item_id: last.item_id,
      output_index: last.output_index,
      content_index: last.content_index,
      delta: typeof item === 'string' ? item : item[0],
      logprobs: [],
    };
    if (Array.isArray(item)) event.obfuscation = item[1];
    this.#last = event;
    return event;
  }
}

export type WireError =
  | {
      kind: 'api';
      /** Undefined for an error object sent inside the event stream. */
      status: number | undefined;
      body: unknown;
      message: string;
      headers: [string, string][] | null;
    }
  | { kind: 'abort' | 'timeout' | 'connection' | 'other'; name: string; message: string }
  | { kind: 'model-unavailable'; models: string[] };

export function toWireError(error: unknown): WireError {
  if (error instanceof ModelUnavailableError) {
    return { kind: 'model-unavailable', models: [...error.models] };
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof APIUserAbortError) return { kind: 'abort', name, message };
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', name, message };
  if (error instanceof APIConnectionError) {
    // Its causes (a refused connection, a name that does not resolve) stay on this side.
    return { kind: 'connection', name, message: describeError(error).slice(name.length + 2) };
  }
  if (error instanceof APIError) {
    return {
      kind: 'api',
      status: error.status,
      body: error.error ?? null,
      message,
      headers: error.headers ? [...error.headers.entries()] : null,
    };
  }
  return { kind: 'other', name, message };
}

export function fromWireError(wire: WireError): Error {
  switch (wire.kind) {
    case 'model-unavailable':
      return new ModelUnavailableError(wire.models);
    case 'api': {
      const headers = wire.headers ? new Headers(wire.headers) : undefined;
      const body = (wire.body ?? undefined) as object | undefined;
      // generate() picks the status's class (RateLimitError...); without a status it would
      // make a connection error, which is not what the stream sent.
      return wire.status === undefined
        ? new APIError(undefined, body, wire.message, headers)
        : APIError.generate(wire.status, { error: body }, undefined, headers);
    }
    case 'abort':
      return new APIUserAbortError({ message: wire.message });
    case 'timeout':
      return new APIConnectionTimeoutError({ message: wire.message });
    case 'connection':
      return new APIConnectionError({ message: wire.message });
    default:
      return Object.assign(new Error(wire.message), { name: wire.name });
  }
}

/** Log fields as plain data: errors become their name and message, like the log line does. */
export function plainFields(fields: Record<string, unknown> | undefined): object | undefined {
  if (!fields) return undefined;
  return JSON.parse(
    JSON.stringify(fields, (_key, item) =>
      item instanceof Error ? { name: item.name, message: item.message } : item,
    ),
  );
}
