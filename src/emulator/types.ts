import type { Logger } from '../logger.js';

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Text deltas per second per stream; 0 sends as fast as the socket takes them. @default 0 */
  tokensPerSecond?: number;
  /**
   * Reply length in words. A reply is exactly this many words and streams as exactly this many
   * `response.output_text.delta` events (one word plus its trailing whitespace each).
   * @default 60
   */
  replyWords?: number;
  /** Each delta reads `#<index>@<epoch ms> ` (see `stamp.ts`), for latency measurement. @default false */
  stampDeltas?: boolean;
  /**
   * When set, every request but `GET /healthz` must carry `Authorization: Bearer <apiKey>` (401
   * `invalid_api_key` otherwise), the control endpoints included: the emulator inside an offline
   * server holds every user's questions, and other local processes must not read or steer it.
   */
  apiKey?: string;
  logger?: Logger;
}

export interface Pacing {
  tokensPerSecond?: number;
  replyWords?: number;
  stampDeltas?: boolean;
  /**
   * While true, new streams send their opening events and hold their text deltas; setting it
   * false starts every held stream at once (a benchmark's common start).
   */
  hold?: boolean;
}

/**
 * A scripted failure, consumed by the next matching `POST /v1/responses`.
 * `http_error` and `model_not_found` answer any request before it starts; the others only
 * match streaming requests (so a non-streaming side request never eats a stream fault).
 * `afterDeltas` defaults to 0 and is capped at the reply's delta count.
 */
export type Fault =
  | {
      type: 'http_error';
      status: 429 | 500 | 502 | 503;
      retryAfterSeconds?: number;
      /** How many requests get it. @default 1 */
      count?: number;
    }
  /** Destroy the socket after this many text deltas were flushed. */
  | { type: 'drop_after'; deltas: number }
  /** Send `response.failed` (status failed, error `server_error`). */
  | { type: 'response_failed'; afterDeltas?: number }
  /**
   * Send an `error` event, then end the stream. By default the documented shape (`code`,
   * `message`, `param` at the top level, which the SDK yields as an event); `nested: true` sends
   * `{ error: {...} }` as the API sometimes does, which the SDK's iterator throws as an APIError.
   */
  | { type: 'error_event'; afterDeltas?: number; code?: string; message?: string; nested?: boolean }
  /** End with `response.incomplete`, reason `max_output_tokens`. */
  | { type: 'incomplete'; afterDeltas?: number }
  /** Send nothing for `ms`, then continue (for client timeouts). */
  | { type: 'stall'; afterDeltas: number; ms: number }
  /** Write a frame whose data is not JSON, then end the stream. */
  | { type: 'malformed_sse'; afterDeltas?: number }
  /** 404 `model_not_found` for requests naming `model` (any request when unset). @default count 1 */
  | { type: 'model_not_found'; model?: string; count?: number };

export type StreamFault = Extract<
  Fault,
  {
    type:
      | 'drop_after'
      | 'response_failed'
      | 'error_event'
      | 'incomplete'
      | 'stall'
      | 'malformed_sse';
  }
>;
export type RequestFault = Extract<Fault, { type: 'http_error' | 'model_not_found' }>;

/** One `POST /v1/responses` as received (fields as sent, `null` when absent). */
export interface RecordedRequest {
  /** The response id it created, or null when it was rejected (fault, validation). */
  id: string | null;
  model: unknown;
  input: unknown;
  previous_response_id: unknown;
  store: unknown;
  stream: unknown;
  instructions: unknown;
  max_output_tokens: unknown;
  metadata: unknown;
  /** HTTP status of the answer. */
  status: number;
  /** Epoch milliseconds when it arrived. */
  at: number;
}

/** A message to seed a legacy thread with; missing fields get the API's defaults. */
export interface LegacyThreadMessage {
  id?: string;
  created_at?: number;
  role: 'user' | 'assistant';
  /** Plain text, or the API's content parts (`text`, `image_file`, `image_url`, ...). */
  content: string | Array<Record<string, unknown>>;
  assistant_id?: string | null;
  run_id?: string | null;
  attachments?: unknown[];
  metadata?: Record<string, string>;
}

export interface Emulator {
  /** e.g. `http://127.0.0.1:54321/v1`, what `new OpenAI({ baseURL })` takes. */
  baseURL: string;
  port: number;
  queueFault(fault: Fault): void;
  /** Every `POST /v1/responses` received, in order. */
  requests(): RecordedRequest[];
  /** Forget one stored response (or all): chaining from it then gets `previous_response_not_found`. */
  expire(responseId?: string): void;
  setPacing(options: Pacing): void;
  /** Replace a legacy thread's messages, served by `GET /v1/threads/{id}/messages`. */
  seedThread(threadId: string, messages: LegacyThreadMessage[]): void;
  /** Clear faults, the request log, stored responses and threads; restore the start pacing. */
  reset(): void;
  /** Close the server and destroy open sockets (streams in flight end). */
  close(): Promise<void>;
}
