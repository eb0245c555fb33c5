/**
 * The seed's ResponsesAPIClient: one streaming `responses.create` call over the official SDK.
 * Retries (429, 5xx, connection errors before the stream starts) and the connect timeout are the
 * SDK's own; this adds the model fallback and a watchdog for silence inside a running stream,
 * which the SDK's timeout does not cover once the response headers have arrived.
 */

import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { Config } from '../config.js';
import { type Logger, silentLogger } from '../logger.js';
import { createUpstreamFetch } from './upstream-fetch.js';

export interface ResponseRequest {
  input: ResponseInputItem[];
  previousResponseId?: string | null;
  signal?: AbortSignal;
}

export interface ResponseStream {
  /** The model that accepted the request (after any fallback). */
  model: string;
  /** Ends after `response.completed`/`failed`/`incomplete`; throws on abort, silence or drop. */
  events: AsyncIterable<ResponseStreamEvent>;
}

export interface ResponsesClient {
  stream(request: ResponseRequest): Promise<ResponseStream>;
  /**
   * Releases what the client holds. Open streams are not ended here: each turn's own abort
   * signal stops its stream (`ChatService.shutdown`).
   */
  close(): Promise<void>;
}

/** Neither the model nor any of the fallback models is available. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
  constructor(readonly models: readonly string[]) {
    super(`No model available among: ${models.join(', ')}`);
  }
}

/** The upstream no longer has the response a turn wanted to chain from. */
export function isPreviousResponseNotFound(error: unknown): boolean {
  return error instanceof APIError && error.code === 'previous_response_not_found';
}

/**
 * OpenAI says `model_not_found`; other compatible servers answer a bare 404 that names the
 * model. A 404 that does not (a base URL without its `/v1`, say) is no model's fault.
 */
function isModelNotFound(error: unknown): boolean {
  return (
    error instanceof APIError &&
    (error.code === 'model_not_found' ||
      (error.status === 404 && error.code == null && /\bmodel\b/i.test(error.message)))
  );
}

export function createResponsesClient(
  config: Config,
  logger: Logger = silentLogger,
  options: { baseURL?: string; apiKey?: string } = {},
): ResponsesClient {
  const sdk = new OpenAI({
    apiKey: options.apiKey ?? config.openaiApiKey ?? 'offline',
    baseURL: options.baseURL ?? config.openaiBaseUrl,
    maxRetries: config.maxRetries,
    timeout: config.timeoutMs,
    // The SDK's own warnings (retries, unparsable frames) go to our redacting logger.
    logLevel: 'warn',
    logger: sdkLogger(logger),
    fetch: createUpstreamFetch(),
  });
  const models = [config.model, ...config.fallbackModels.filter((m) => m !== config.model)];
  // Zero-data-retention accounts use replay mode; there is nothing to chain from, so store nothing.
  const store = config.contextMode === 'chain';

  async function open(model: string, request: ResponseRequest, signal: AbortSignal) {
    // o1-family models take no `instructions`, system role or sampling parameters.
    const { data, response } = await sdk.responses
      .create(
        {
          model,
          input: request.input,
          stream: true,
          store,
          ...(request.previousResponseId
            ? { previous_response_id: request.previousResponseId }
            : {}),
        },
        { signal },
      )
      .withResponse();
    // A page or a proxy's answer read as an event stream holds no events: the answer would
    // end as a dropped connection, worth retrying, when the base URL is what is wrong.
    const type = response.headers.get('content-type') ?? '';
    // Media types ignore case (RFC 9110); parameters such as charset may follow.
    if (type.split(';')[0]!.trim().toLowerCase() !== 'text/event-stream') {
      data.controller.abort();
      // The text as the error's body: it crosses to the main thread from an upstream thread.
      const message = `Expected an event stream, got ${type || 'no content type'} (check OPENAI_BASE_URL)`;
      throw new APIError(response.status, { message }, undefined, response.headers);
    }
    return data;
  }

  return {
    async stream(request) {
      // One controller for the request, aborted by the caller or by the idle watchdog. Not
      // AbortSignal.any(): on Node 20 a combined signal that gets a listener (the SDK adds one)
      // is kept alive until it aborts, so every completed turn would leak it.
      const watchdog = new AbortController();
      const caller = request.signal;
      const forward = () => watchdog.abort(caller?.reason);
      const release = () => caller?.removeEventListener('abort', forward);
      if (caller?.aborted) forward();
      else caller?.addEventListener('abort', forward, { once: true });
      try {
        for (const model of models) {
          try {
            const sdkStream = await unlessAborted(open(model, request, watchdog.signal), watchdog);
            return {
              model,
              events: withIdleTimeout(sdkStream, config.streamIdleMs, watchdog, caller, release),
            };
          } catch (error) {
            if (!isModelNotFound(error)) throw error;
            // An expected answer, not a fault: its message, without a stack.
            const reason = (error as Error).message;
            logger.warn('model unavailable, trying the next one', { model, reason });
          }
        }
        throw new ModelUnavailableError(models);
      } catch (error) {
        release();
        throw error;
      }
    },
    // Keep-alive sockets are unref'd by their agents; turns are stopped by their own signals.
    async close() {},
  };
}

/**
 * `opening`, or an abort error as soon as `controller` aborts. Between attempts the SDK sleeps
 * out a 429's or 503's `retry-after` (up to a minute a time) without looking at the signal, and
 * a stop, a deletion or a shutdown must not wait for that. A stream that opens anyway is closed.
 */
function unlessAborted<T extends { controller: AbortController }>(
  opening: Promise<T>,
  controller: AbortController,
): Promise<T> {
  const { signal } = controller;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      opening.then(
        (stream) => stream.controller.abort(),
        () => {},
      );
      reject(new APIUserAbortError());
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    opening.then(
      (stream) => {
        signal.removeEventListener('abort', onAbort);
        resolve(stream);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Ends the stream with a timeout when no event arrives for `idleMs`. The SDK's iterator returns
 * quietly when its request is aborted, so an abort is turned back into an error here: a stream
 * only ends normally when the upstream ended it. An iterator object rather than an async
 * generator: this runs once per delta, and a generator costs several promises per item.
 */
function withIdleTimeout(
  events: AsyncIterable<ResponseStreamEvent>,
  idleMs: number,
  watchdog: AbortController,
  callerSignal: AbortSignal | undefined,
  release: () => void,
): AsyncIterableIterator<ResponseStreamEvent> {
  const source = events[Symbol.asyncIterator]();
  // One timer for the whole stream, pushed back per event: cheaper than a new one per delta.
  const timer = setTimeout(() => watchdog.abort(), idleMs);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    release();
  };
  const abortError = () => {
    if (callerSignal?.aborted) return new APIUserAbortError();
    if (watchdog.signal.aborted) {
      return new APIConnectionTimeoutError({ message: `No stream event for ${idleMs} ms` });
    }
    return null;
  };
  const onResult = (result: IteratorResult<ResponseStreamEvent>) => {
    const error = abortError();
    if (error) {
      end();
      // Stop reading the aborted request; its own failure is not the one to report.
      if (!result.done) source.return?.().catch(() => {});
      throw error;
    }
    if (result.done) end();
    else timer.refresh();
    return result;
  };
  const onError = (error: unknown) => {
    end();
    throw error;
  };
  const done = (): IteratorResult<ResponseStreamEvent> => ({ value: undefined, done: true });
  return {
    next: () => (ended ? Promise.resolve(done()) : source.next().then(onResult, onError)),
    async return() {
      if (!ended) {
        end();
        await source.return?.();
      }
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function sdkLogger(logger: Logger) {
  const forward =
    (level: keyof Logger) =>
    (message: string, ...rest: unknown[]) =>
      logger[level](`openai: ${message}`, rest.length > 0 ? { details: rest } : undefined);
  return {
    debug: forward('debug'),
    info: forward('info'),
    warn: forward('warn'),
    error: forward('error'),
  };
}
