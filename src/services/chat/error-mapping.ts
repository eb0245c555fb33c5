/**
 * Upstream failures -> what a user may see. The user-facing message is a fixed sentence per
 * code: upstream error text can carry keys, account details or internals, so it only goes to
 * the log (`detail`).
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  RateLimitError,
} from 'openai';
import { ModelUnavailableError } from '../responses-client.js';
import type { ChatErrorCode, MessageError } from '../types.js';

export interface TurnFailure extends MessageError {
  /** The message's final status. */
  status: 'INCOMPLETE' | 'FAILED';
  /** Upstream detail for the log; never shown to users. */
  detail: string;
}

const USER_MESSAGES: Record<ChatErrorCode, string> = {
  RATE_LIMITED: 'The model service is rate limiting requests; try again shortly.',
  UPSTREAM_UNAVAILABLE: 'The model service is unavailable; try again shortly.',
  UPSTREAM_ERROR: 'The model service returned an error.',
  RESPONSE_FAILED: 'The model could not complete this answer.',
  RESPONSE_INCOMPLETE: 'The answer was cut short by the model (length or content limit).',
  STREAM_INTERRUPTED: 'The connection to the model service was interrupted.',
  TIMEOUT: 'The model service did not answer in time.',
  ABORTED: 'The answer was stopped.',
  MODEL_UNAVAILABLE: 'The configured model is not available.',
  INTERNAL: 'Something went wrong while answering.',
};

const DEFAULTS: Record<ChatErrorCode, Pick<TurnFailure, 'status' | 'retryable'>> = {
  RATE_LIMITED: { status: 'FAILED', retryable: true },
  UPSTREAM_UNAVAILABLE: { status: 'FAILED', retryable: true },
  UPSTREAM_ERROR: { status: 'FAILED', retryable: false },
  RESPONSE_FAILED: { status: 'FAILED', retryable: false },
  RESPONSE_INCOMPLETE: { status: 'INCOMPLETE', retryable: false },
  STREAM_INTERRUPTED: { status: 'FAILED', retryable: true },
  TIMEOUT: { status: 'FAILED', retryable: true },
  ABORTED: { status: 'INCOMPLETE', retryable: false },
  MODEL_UNAVAILABLE: { status: 'FAILED', retryable: false },
  INTERNAL: { status: 'FAILED', retryable: false },
};

/** Upstream error codes (in `response.failed` or `error` events) worth retrying. */
const TRANSIENT_CODES = new Set(['server_error', 'rate_limit_exceeded', 'vector_store_timeout']);

/** An answer cut off because this server stopped (a shutdown, or a crash found at start). */
export const SERVER_STOPPED_MESSAGE = 'The server stopped while this answer was streaming.';

export function turnFailure(
  code: ChatErrorCode,
  detail: string,
  overrides: Partial<Pick<TurnFailure, 'status' | 'retryable' | 'retryAfterSeconds'>> = {},
): TurnFailure {
  return { code, message: USER_MESSAGES[code], detail, ...DEFAULTS[code], ...overrides };
}

/** A failure reported by the upstream inside a stream (`response.failed`, `error` events). */
export function upstreamCodeFailure(
  code: ChatErrorCode,
  upstreamCode: string | null | undefined,
  detail: string,
): TurnFailure {
  if (upstreamCode === 'rate_limit_exceeded') return turnFailure('RATE_LIMITED', detail);
  return turnFailure(code, detail, { retryable: TRANSIENT_CODES.has(upstreamCode ?? '') });
}

/**
 * Maps an error thrown by the SDK (after its own retries) or by the stream. `phase` tells a
 * connection that never opened (`request`) from one that broke while streaming (`stream`).
 */
export function failureFromError(error: unknown, phase: 'request' | 'stream'): TurnFailure {
  const detail = describeError(error);
  if (error instanceof APIUserAbortError) return turnFailure('ABORTED', detail);
  if (error instanceof APIConnectionTimeoutError) return turnFailure('TIMEOUT', detail);
  if (error instanceof ModelUnavailableError) return turnFailure('MODEL_UNAVAILABLE', detail);
  if (error instanceof RateLimitError) {
    return turnFailure('RATE_LIMITED', detail, retryAfter(error.headers));
  }
  if (error instanceof APIConnectionError) {
    return turnFailure(phase === 'request' ? 'UPSTREAM_UNAVAILABLE' : 'STREAM_INTERRUPTED', detail);
  }
  if (error instanceof APIError) {
    // No status: an error object sent inside the event stream.
    if (error.status === undefined)
      return upstreamCodeFailure('UPSTREAM_ERROR', error.code, detail);
    if (error.status >= 500) return turnFailure('UPSTREAM_UNAVAILABLE', detail);
    return turnFailure('UPSTREAM_ERROR', `${detail}${SETTING_HINTS[error.status] ?? ''}`);
  }
  // Anything else while streaming is the body breaking off or arriving garbled.
  return turnFailure(phase === 'stream' ? 'STREAM_INTERRUPTED' : 'INTERNAL', detail);
}

/** What an operator should look at first when the upstream refuses every request. */
const SETTING_HINTS: Record<number, string> = {
  401: ' (check OPENAI_API_KEY)',
  403: ' (check OPENAI_API_KEY)',
  404: ' (check OPENAI_BASE_URL: it must end where /responses is, often /v1)',
};

/**
 * The error for the log, with its causes: the SDK's "Connection error." alone does not say
 * whether the connection was refused, the name did not resolve or TLS failed.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = `${error.name}: ${error.message}`;
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++, cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    text += `; cause: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`;
  }
  return text;
}

function retryAfter(headers: Headers | undefined): { retryAfterSeconds?: number } {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return { retryAfterSeconds: Math.ceil(ms / 1000) };
  const raw = headers?.get('retry-after');
  if (!raw) return {};
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return { retryAfterSeconds: Math.max(0, Math.ceil(seconds)) };
  const date = Date.parse(raw);
  return Number.isNaN(date)
    ? {}
    : { retryAfterSeconds: Math.max(0, Math.ceil((date - Date.now()) / 1000)) };
}
