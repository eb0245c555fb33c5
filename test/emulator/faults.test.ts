import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { collect, deltasOf, typesOf } from './collect.js';

let upstream: TestEmulator;
afterEach(() => upstream?.close());

const streamOnce = (model = 'gpt-4o') =>
  upstream.client.responses.create({ model, input: 'Hello', stream: true });

describe('faults', () => {
  it('answers 429 with retry-after, which the SDK waits out and retries', async () => {
    upstream = await startTestEmulator({ replyWords: 10, maxRetries: 1 });
    upstream.emulator.queueFault({ type: 'http_error', status: 429, retryAfterSeconds: 0.05 });

    const { events, error } = await collect(await streamOnce());

    expect(error).toBeUndefined();
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(upstream.emulator.requests().map((r) => [r.status, r.id === null])).toEqual([
      [429, true],
      [200, false],
    ]);
  });

  it('surfaces repeated 5xx errors once the retries are spent', async () => {
    upstream = await startTestEmulator({ maxRetries: 1 });
    upstream.emulator.queueFault({
      type: 'http_error',
      status: 503,
      retryAfterSeconds: 0,
      count: 2,
    });

    const error = await streamOnce().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, type: 'server_error' });
    expect(upstream.emulator.requests()).toHaveLength(2);
    await expect(streamOnce()).resolves.toBeDefined();
  });

  it('drops the connection after N deltas: the iterator throws after those deltas', async () => {
    upstream = await startTestEmulator({ replyWords: 50 });
    upstream.emulator.queueFault({ type: 'drop_after', deltas: 7 });

    const { events, error } = await collect(await streamOnce());

    expect(deltasOf(events)).toHaveLength(7);
    expect(error).toBeInstanceOf(Error);
    expect(typesOf(events)).not.toContain('response.completed');
  });

  it('delivers response.failed', async () => {
    upstream = await startTestEmulator({ replyWords: 20 });
    upstream.emulator.queueFault({ type: 'response_failed', afterDeltas: 3 });

    const { events, error } = await collect(await streamOnce());
    const last = events.at(-1);

    expect(error).toBeUndefined();
    expect(deltasOf(events)).toHaveLength(3);
    expect(last?.type === 'response.failed' && last.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: expect.any(String) },
    });
  });

  it('delivers an error event in the documented shape, or nested so the SDK throws', async () => {
    upstream = await startTestEmulator({ replyWords: 20 });
    upstream.emulator.queueFault({ type: 'error_event', afterDeltas: 2, code: 'overloaded' });
    upstream.emulator.queueFault({ type: 'error_event', nested: true, message: 'Too busy' });

    const documented = await collect(await streamOnce());
    expect(documented.error).toBeUndefined();
    expect(deltasOf(documented.events)).toHaveLength(2);
    expect(documented.events.at(-1)).toMatchObject({
      type: 'error',
      code: 'overloaded',
      message: expect.any(String),
      param: null,
      sequence_number: documented.events.length - 1,
    });

    const nested = await collect(await streamOnce());
    expect(nested.error).toBeInstanceOf(OpenAI.APIError);
    expect(nested.error).toMatchObject({ message: 'Too busy' });
  });

  it('delivers response.incomplete with reason max_output_tokens', async () => {
    upstream = await startTestEmulator({ replyWords: 20 });
    upstream.emulator.queueFault({ type: 'incomplete', afterDeltas: 5 });

    const { events } = await collect(await streamOnce());
    const last = events.at(-1);

    expect(deltasOf(events)).toHaveLength(5);
    expect(last?.type === 'response.incomplete' && last.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
  });

  it('stalls mid-stream, then finishes', async () => {
    upstream = await startTestEmulator({ replyWords: 6 });
    upstream.emulator.queueFault({ type: 'stall', afterDeltas: 3, ms: 250 });

    const arrivals: number[] = [];
    const stream = await streamOnce();
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') arrivals.push(Date.now());
    }

    expect(arrivals).toHaveLength(6);
    expect(arrivals[3]! - arrivals[2]!).toBeGreaterThanOrEqual(200);
  });

  it('writes a malformed frame that the SDK fails to parse', async () => {
    upstream = await startTestEmulator({ replyWords: 10 });
    upstream.emulator.queueFault({ type: 'malformed_sse', afterDeltas: 4 });

    const { events, error } = await collect(await streamOnce());

    expect(deltasOf(events)).toHaveLength(4);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('answers model_not_found for the named model only', async () => {
    upstream = await startTestEmulator();
    upstream.emulator.queueFault({ type: 'model_not_found', model: 'gpt-missing', count: 2 });

    await expect(streamOnce('gpt-4o')).resolves.toBeDefined();
    const error = await streamOnce('gpt-missing').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ code: 'model_not_found', param: 'model' });
    await expect(streamOnce('gpt-missing')).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(streamOnce('gpt-missing')).resolves.toBeDefined();
  });

  it('keeps stream faults for streaming requests', async () => {
    upstream = await startTestEmulator({ replyWords: 10 });
    upstream.emulator.queueFault({ type: 'drop_after', deltas: 2 });

    const plain = await upstream.client.responses.create({ model: 'gpt-4o', input: 'side' });
    expect(plain.status).toBe('completed');
    const { error } = await collect(await streamOnce());
    expect(error).toBeInstanceOf(Error);
  });
});

describe('control endpoints', () => {
  const control = (path: string, body?: unknown) =>
    fetch(`${upstream.origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('queues faults, lists requests, sets pacing and resets over HTTP', async () => {
    upstream = await startTestEmulator({ replyWords: 10, maxRetries: 0 });
    expect(await (await control('/healthz')).json()).toEqual({ ok: true });

    const queued = await control('/__emulator/faults', [
      { type: 'http_error', status: 500 },
      { type: 'drop_after', deltas: 1 },
    ]);
    expect(await queued.json()).toEqual({ ok: true, queued: 2 });
    await expect(streamOnce()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect((await collect(await streamOnce())).error).toBeInstanceOf(Error);

    await control('/__emulator/pacing', { replyWords: 3 });
    expect(deltasOf((await collect(await streamOnce())).events)).toHaveLength(3);

    const log = (await (await control('/__emulator/requests')).json()) as Array<{ status: number }>;
    expect(log.map((r) => r.status)).toEqual([500, 200, 200]);

    await control('/__emulator/reset', {});
    expect(await (await control('/__emulator/requests')).json()).toEqual([]);
    expect(deltasOf((await collect(await streamOnce())).events)).toHaveLength(10);
  });

  it('expires stored responses over HTTP', async () => {
    upstream = await startTestEmulator();
    const first = await upstream.client.responses.create({ model: 'gpt-4o', input: 'x' });
    await control('/__emulator/expire', { responseId: first.id });
    await expect(
      upstream.client.responses.create({
        model: 'gpt-4o',
        input: 'y',
        previous_response_id: first.id,
      }),
    ).rejects.toMatchObject({ code: 'previous_response_not_found' });
  });

  it('rejects a malformed fault with the API error shape', async () => {
    upstream = await startTestEmulator();
    const bad = await control('/__emulator/faults', { type: 'drop_after' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: 'deltas' },
    });
    const unknown = await control('/__emulator/faults', { type: 'explode' });
    expect(unknown.status).toBe(400);
  });
});
