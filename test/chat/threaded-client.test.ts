/**
 * The threaded Responses client keeps the in-process client's contract: the same events, the
 * SDK's own error classes, the thread's log lines, and an upstream request that ends when the
 * caller aborts or stops reading.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIConnectionError, APIUserAbortError, InternalServerError, RateLimitError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import {
  createResponsesClient,
  isPreviousResponseNotFound,
  type ResponsesClient,
} from '../../src/services/responses-client.js';
import { createThreadedResponsesClient } from '../../src/services/upstream/threaded-client.js';
import { DeltaPacker, DeltaUnpacker } from '../../src/services/upstream/wire.js';
import { waitFor } from '../helpers/chat.js';

const config = defaultConfig({ maxRetries: 0, timeoutMs: 5_000, model: 'model-a' });
const input = [{ role: 'user' as const, content: 'hello' }];

let emulator: Emulator;
let slow: { url: string; open: number; closed: number; server: http.Server };

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, replyWords: 40, tokensPerSecond: 0 });
  // An upstream that sends a delta every 20 ms and never ends; it counts closed requests.
  const server = http.createServer((req, res) => {
    slow.open++;
    req.on('close', () => slow.closed++);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const created = { type: 'response.created', response: { id: 'resp_slow', output: [] } };
    res.write(`event: response.created\ndata: ${JSON.stringify(created)}\n\n`);
    const timer = setInterval(() => {
      const delta = { type: 'response.output_text.delta', delta: 'word ' };
      res.write(`event: response.output_text.delta\ndata: ${JSON.stringify(delta)}\n\n`);
    }, 20);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  slow = { url: `http://127.0.0.1:${port}/v1`, open: 0, closed: 0, server };
});

afterAll(async () => {
  slow.server.closeAllConnections();
  await new Promise((resolve) => slow.server.close(resolve));
  await emulator.close();
});

function threaded(
  options: { baseURL?: string; logger?: typeof silentLogger; model?: string } = {},
) {
  const settings = options.model ? { ...config, fallbackModels: [options.model] } : config;
  return createThreadedResponsesClient(settings, options.logger ?? silentLogger, {
    threads: 2,
    baseURL: options.baseURL ?? emulator.baseURL,
    apiKey: 'test-key',
  });
}

async function readAll(client: ResponsesClient, previousResponseId?: string) {
  const stream = await client.stream({ input, previousResponseId });
  const events = [];
  for await (const event of stream.events) events.push(event);
  return { model: stream.model, events };
}

/** What a stream says, without the ids and times that differ between two requests. */
const shape = (events: Array<{ type: string; delta?: unknown }>) =>
  events.map((event) => `${event.type}:${'delta' in event ? event.delta : ''}`);

const comparable = (events: unknown[]) =>
  JSON.parse(
    JSON.stringify(events)
      .replace(/"(resp|msg|rs)_[0-9a-f]{48}"/g, '"id"')
      .replace(/"(created_at|completed_at)":[0-9.]+/g, '"$1":0'),
  );

describe('delta packing between threads', () => {
  const delta = (sequence: number, text: string, extra: object = {}) => ({
    type: 'response.output_text.delta' as const,
    sequence_number: sequence,
    item_id: 'msg_a',
    output_index: 0,
    content_index: 0,
    delta: text,
    logprobs: [],
    ...extra,
  });
  const events = [
    { type: 'response.in_progress', sequence_number: 1, response: { id: 'resp_1' } },
    delta(2, 'He'),
    delta(3, 'llo'),
    delta(4, ' wo', { logprobs: [{ token: ' wo', logprob: -0.1, top_logprobs: [] }] }),
    delta(5, 'rl'),
    delta(6, 'd'),
    delta(8, ' after a gap'),
    delta(9, ' in a new part', { content_index: 1 }),
    delta(10, ' padded', { obfuscation: 'xyz' }),
    delta(11, '!', { content_index: 1 }),
    delta(12, ''),
    // As the API sends them by default: with random padding.
    delta(13, 'Pa', { obfuscation: 'q8' }),
    delta(14, 'd', { obfuscation: 'r' }),
    delta(15, 'ded', { obfuscation: 7 }),
    { type: 'response.completed', sequence_number: 16, response: { id: 'resp_1' } },
  ] as ResponseStreamEvent[];

  it('sends a delta that continues the previous one as its text, and rebuilds it whole', () => {
    const packer = new DeltaPacker();
    const packed = events.map((event) => packer.pack(event));
    // Only plain deltas that follow a plain delta of the same part, with the next number:
    // their text, and their padding when they have one.
    const summary = packed.map((item) =>
      typeof item === 'object' && !Array.isArray(item) ? '' : item,
    );
    expect(summary).toEqual([
      ...['', '', 'llo', '', '', 'd', '', '', '', '', ''],
      ['Pa', 'q8'],
      ['d', 'r'],
      ...['', ''],
    ]);
    const unpacker = new DeltaUnpacker();
    const rebuilt = structuredClone(packed).map((item) => unpacker.unpack(item));
    expect(rebuilt).toEqual(events);
  });

  it('refuses a packed delta with nothing to continue', () => {
    expect(() => new DeltaUnpacker().unpack('stray')).toThrow(/without the delta/);
  });
});

describe('threaded Responses client', () => {
  it('streams the same events as the in-process client', async () => {
    const client = threaded();
    try {
      const direct = await readAll(
        createResponsesClient(config, silentLogger, {
          baseURL: emulator.baseURL,
          apiKey: 'test-key',
        }),
      );
      const viaThread = await readAll(client);
      expect(viaThread.model).toBe('model-a');
      expect(shape(viaThread.events)).toEqual(shape(direct.events));
      // Field for field, once the ids and times of the two requests are set aside.
      expect(comparable(viaThread.events)).toEqual(comparable(direct.events));
      expect(viaThread.events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(
        40,
      );
      // Many streams at once over two threads, each one whole and in order.
      const many = await Promise.all(Array.from({ length: 20 }, () => readAll(client)));
      for (const one of many) expect(shape(one.events)).toEqual(shape(direct.events));
    } finally {
      await client.close();
    }
  });

  it('rebuilds upstream errors as the SDK classes, with their status, code and headers', async () => {
    const client = threaded();
    try {
      emulator.queueFault({ type: 'http_error', status: 429, retryAfterSeconds: 7 });
      const limited = await client.stream({ input }).catch((error: unknown) => error);
      expect(limited).toBeInstanceOf(RateLimitError);
      expect((limited as RateLimitError).headers?.get('retry-after')).toBe('7');

      emulator.queueFault({ type: 'http_error', status: 503 });
      await expect(client.stream({ input })).rejects.toBeInstanceOf(InternalServerError);

      const first = await readAll(client);
      const responseId = (first.events.at(-1) as { response: { id: string } }).response.id;
      emulator.expire(responseId);
      const gone = await readAll(client, responseId).catch((error: unknown) => error);
      expect(isPreviousResponseNotFound(gone)).toBe(true);

      // An error object inside the stream: an APIError without a status, as the SDK throws it.
      emulator.queueFault({
        type: 'error_event',
        afterDeltas: 2,
        code: 'server_error',
        nested: true,
      });
      const nested = await readAll(client).catch((error: unknown) => error);
      expect(nested).toMatchObject({ status: undefined, code: 'server_error' });
      expect(nested).not.toBeInstanceOf(APIConnectionError);
    } finally {
      await client.close();
    }
  });

  it("passes the thread's log lines to the server's logger", async () => {
    const lines: string[] = [];
    const client = threaded({
      logger: createLogger('warn', [], (line) => lines.push(line)),
      model: 'model-b',
    });
    try {
      emulator.queueFault({ type: 'model_not_found', model: 'model-a' });
      expect((await readAll(client)).model).toBe('model-b');
      expect(lines.some((line) => /WARN model unavailable.*"model":"model-a"/.test(line))).toBe(
        true,
      );
    } finally {
      await client.close();
    }
  });

  it('ends the upstream request when the caller aborts or stops reading', async () => {
    const client = threaded({ baseURL: slow.url });
    try {
      const closedBefore = slow.closed;
      const controller = new AbortController();
      const stream = await client.stream({ input, signal: controller.signal });
      const read = (async () => {
        let deltas = 0;
        for await (const event of stream.events) {
          if (event.type === 'response.output_text.delta' && ++deltas === 3) controller.abort();
        }
      })();
      await expect(read).rejects.toBeInstanceOf(APIUserAbortError);
      await waitFor(() => (slow.closed === closedBefore + 1 ? true : undefined));

      const other = await client.stream({ input });
      for await (const event of other.events)
        if (event.type === 'response.output_text.delta') break;
      await waitFor(() => (slow.closed === closedBefore + 2 ? true : undefined));

      // Aborted before it starts: refused at once, as the in-process client does.
      const openedBefore = slow.open;
      await expect(client.stream({ input, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
        APIUserAbortError,
      );
      expect(slow.open).toBe(openedBefore);
    } finally {
      await client.close();
    }
  });

  it.each([
    ['threaded', () => threaded()],
    [
      'in-process',
      () => createResponsesClient(config, silentLogger, { baseURL: emulator.baseURL, apiKey: 'k' }),
    ],
  ])('%s: hands out no event already received once the caller aborts', async (_name, make) => {
    const client = make();
    try {
      const controller = new AbortController();
      const stream = await client.stream({ input, signal: controller.signal });
      const events = stream.events[Symbol.asyncIterator]();
      expect((await events.next()).done).toBe(false);
      // The unpaced answer is all on its way by now, most of it not yet read.
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      await expect(events.next()).rejects.toBeInstanceOf(APIUserAbortError);
      expect(await events.next()).toEqual({ value: undefined, done: true });
    } finally {
      await client.close();
    }
  });

  it('ends open streams with a connection error when closed, and opens no more', async () => {
    const client = threaded({ baseURL: slow.url });
    const stream = await client.stream({ input });
    const read = (async () => {
      for await (const _event of stream.events) {
        // reads until the client is closed
      }
    })();
    await client.close();
    await expect(read).rejects.toBeInstanceOf(APIConnectionError);
    await expect(client.stream({ input })).rejects.toBeInstanceOf(APIConnectionError);
  });
});
