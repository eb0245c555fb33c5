/**
 * What the main thread and an upstream thread say to each other. Errors cross the thread as
 * plain data and are rebuilt as the SDK's own classes, so error mapping (`instanceof
 * RateLimitError`, `error.code`) works the same on either side.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { ModelUnavailableError } from '../responses-client.js';

export type ToThread =
  | { t: 'open'; id: number; input: ResponseInputItem[]; previousResponseId: string | null }
  | { t: 'abort'; id: number };

/** Sent in batches: one `postMessage` per turn of the thread's event loop. */
export type FromThread =
  | { t: 'opened'; id: number; model: string }
  | { t: 'events'; id: number; events: ResponseStreamEvent[] }
  | { t: 'end'; id: number }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: object };

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
  if (error instanceof APIConnectionError) return { kind: 'connection', name, message };
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
