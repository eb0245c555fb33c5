/**
 * An upstream thread: runs the Responses client (the SDK's HTTP, retries and SSE parsing) for
 * the turns the main thread hands it, and sends their events back in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { createResponsesClient } from '../responses-client.js';
import { DeltaPacker, type FromThread, plainFields, type ToThread, toWireError } from './wire.js';

export interface ThreadData {
  config: Config;
  baseURL?: string;
  apiKey?: string;
}

const port = parentPort;
if (!port) throw new Error('The upstream thread runs as a worker thread');
const data = workerData as ThreadData;

let outbox: FromThread[] = [];
let flushing = false;
// Events that arrive in one turn of the event loop go to the main thread in one message: a
// message per delta would cost the main thread more than the parsing this thread saves it.
const flush = () => {
  flushing = false;
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
};
const send = (message: FromThread) => {
  outbox.push(message);
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
};

const log =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (message: string, fields?: Record<string, unknown>) =>
    send({ t: 'log', level, message, fields: plainFields(fields) });
const logger: Logger = {
  debug: log('debug'),
  info: log('info'),
  warn: log('warn'),
  error: log('error'),
};

const client = createResponsesClient(data.config, logger, {
  baseURL: data.baseURL,
  apiKey: data.apiKey,
});
const running = new Map<number, AbortController>();

async function run(id: number, request: Extract<ToThread, { t: 'open' }>): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const stream = await client.stream({
      input: request.input,
      previousResponseId: request.previousResponseId,
      signal: controller.signal,
    });
    send({ t: 'opened', id, model: stream.model });
    let pending: FromThread & { t: 'events' } = { t: 'events', id, events: [] };
    const packer = new DeltaPacker();
    for await (const event of stream.events) {
      // Consecutive events of one stream share one entry until the batch is sent.
      if (outbox.at(-1) !== pending) {
        pending = { t: 'events', id, events: [] };
        send(pending);
      }
      pending.events.push(packer.pack(event));
    }
    send({ t: 'end', id });
  } catch (error) {
    send({ t: 'error', id, error: toWireError(error) });
  } finally {
    running.delete(id);
  }
}

port.on('message', (message: ToThread) => {
  if (message.t === 'open') void run(message.id, message);
  else running.get(message.id)?.abort();
});
