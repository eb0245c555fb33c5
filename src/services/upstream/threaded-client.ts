/**
 * A ResponsesClient whose upstream streams run in worker threads. Reading the model's event
 * stream (HTTP, the SDK's SSE and JSON parsing) is a large share of a busy server's CPU; in a
 * thread it runs beside the main thread's GraphQL and WebSocket work instead of queueing with it.
 * Same contract as the in-process client: the same events, the same SDK error classes.
 */
import { Worker } from 'node:worker_threads';
import { APIConnectionError, APIUserAbortError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { ResponseRequest, ResponseStream, ResponsesClient } from '../responses-client.js';
import type { ThreadData } from './thread.js';
import { DeltaUnpacker, type FromThread, fromWireError, type ToThread } from './wire.js';

interface OpenStream {
  opened?: { resolve: (model: string) => void; reject: (error: Error) => void };
  unpacker: DeltaUnpacker;
  queue: ResponseStreamEvent[];
  /** Index of the next event of `queue` to read. */
  head: number;
  ended: boolean;
  error: Error | null;
  wake: (() => void) | null;
}

interface Thread {
  worker: Worker;
  streams: Map<number, OpenStream>;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './thread.ts' : './thread.js', import.meta.url);

export function createThreadedResponsesClient(
  config: Config,
  logger: Logger,
  options: { threads: number; baseURL?: string; apiKey?: string },
): ResponsesClient {
  const threads: Array<Thread | null> = Array.from({ length: options.threads }, () => null);
  let nextId = 0;
  let closed = false;
  const data: ThreadData = { config, baseURL: options.baseURL, apiKey: options.apiKey };

  function spawn(slot: number): Thread {
    const worker = startWorker(data);
    worker.unref();
    const thread: Thread = { worker, streams: new Map() };
    worker.on('message', (batch: FromThread[]) => {
      for (const message of batch) receive(thread, message);
    });
    const fail = (error: Error) => {
      if (threads[slot] === thread) threads[slot] = null;
      if (!closed) logger.error('upstream thread stopped', { error });
      for (const stream of thread.streams.values()) {
        settle(
          stream,
          new APIConnectionError({ message: `Upstream thread stopped: ${error.message}` }),
        );
      }
      thread.streams.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return thread;
  }

  function receive(thread: Thread, message: FromThread): void {
    if (message.t === 'log') {
      logger[message.level](message.message, message.fields as Record<string, unknown>);
      return;
    }
    const stream = thread.streams.get(message.id);
    if (!stream) return;
    switch (message.t) {
      case 'opened':
        stream.opened?.resolve(message.model);
        stream.opened = undefined;
        return;
      case 'events':
        for (const item of message.events) stream.queue.push(stream.unpacker.unpack(item));
        break;
      case 'end':
        stream.ended = true;
        thread.streams.delete(message.id);
        break;
      case 'error':
        thread.streams.delete(message.id);
        settle(stream, fromWireError(message.error));
        return;
    }
    stream.wake?.();
  }

  function settle(stream: OpenStream, error: Error): void {
    if (stream.opened) {
      stream.opened.reject(error);
      stream.opened = undefined;
    }
    stream.error = error;
    stream.wake?.();
  }

  /** The thread with the fewest open streams, started if it is not running. */
  function pick(): Thread {
    let best = 0;
    for (let slot = 1; slot < threads.length; slot++) {
      if ((threads[slot]?.streams.size ?? 0) < (threads[best]?.streams.size ?? 0)) best = slot;
    }
    let thread = threads[best];
    if (!thread) {
      thread = spawn(best);
      threads[best] = thread;
    }
    return thread;
  }

  return {
    async stream(request: ResponseRequest): Promise<ResponseStream> {
      if (closed) throw new APIConnectionError({ message: 'The upstream client is closed' });
      // As the in-process client does: a thread would not know the id of a request it has not
      // opened yet, and would run it whole.
      if (request.signal?.aborted) throw new APIUserAbortError();
      const thread = pick();
      const id = nextId++;
      const post = (message: ToThread) => thread.worker.postMessage(message);
      const state: OpenStream = {
        unpacker: new DeltaUnpacker(),
        queue: [],
        head: 0,
        ended: false,
        error: null,
        wake: null,
      };
      const model = new Promise<string>((resolve, reject) => {
        state.opened = { resolve, reject };
      });
      thread.streams.set(id, state);
      const abort = () => post({ t: 'abort', id });
      // A reader waiting for the thread learns of the abort at once.
      const onAbort = () => {
        abort();
        state.wake?.();
      };
      const release = () => request.signal?.removeEventListener('abort', onAbort);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      post({
        t: 'open',
        id,
        input: request.input,
        previousResponseId: request.previousResponseId ?? null,
      });
      try {
        return { model: await model, events: events(state, abort, release, request.signal) };
      } catch (error) {
        release();
        throw error;
      }
    },
    /** Stops the threads; streams still open end with a connection error. */
    async close() {
      closed = true;
      await Promise.all(threads.map((thread) => thread?.worker.terminate()));
    },
  };
}

/**
 * The stream's events as the caller reads them. An iterator object rather than an async
 * generator: it runs once per delta, and a generator costs several promises per item.
 */
function events(
  state: OpenStream,
  abort: () => void,
  release: () => void,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<ResponseStreamEvent> {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    // A reader that stops early must not leave the upstream request running (an aborted one
    // was stopped by the abort listener already).
    if (!state.ended && !state.error && !signal?.aborted) abort();
    release();
  };
  const done = (): IteratorResult<ResponseStreamEvent> => ({ value: undefined, done: true });
  const next = (): Promise<IteratorResult<ResponseStreamEvent>> => {
    if (finished) return Promise.resolve(done());
    // As in the in-process client: once the caller aborts, the events the thread sent before
    // it stopped are not handed out (a stopped answer must not go on, nor end as complete).
    if (signal?.aborted) {
      finish();
      return Promise.reject(new APIUserAbortError());
    }
    if (state.head < state.queue.length) {
      const value = state.queue[state.head++] as ResponseStreamEvent;
      if (state.head === state.queue.length) {
        state.queue = [];
        state.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (state.error) {
      const error = state.error;
      finish();
      return Promise.reject(error);
    }
    if (state.ended) {
      finish();
      return Promise.resolve(done());
    }
    return new Promise<void>((resolve) => {
      state.wake = resolve;
    }).then(() => {
      state.wake = null;
      return next();
    });
  };
  return {
    next,
    async return() {
      finish();
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function startWorker(workerData: ThreadData): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData });
  // Run from source: Node 20 loads a worker's entry before the `--import tsx` hooks apply, so
  // the thread registers tsx itself and then imports its TypeScript entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}
