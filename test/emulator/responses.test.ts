import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { collect, deltasOf, eventually } from './collect.js';

let upstream: TestEmulator;
afterEach(() => upstream?.close());

describe('stored responses and chaining', () => {
  it('answers a non-streaming create with a full response object', async () => {
    upstream = await startTestEmulator({ replyWords: 30 });
    const response = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Plain please' }] }],
      instructions: 'Be brief',
      metadata: { conversation: 'c1' },
    });

    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'gpt-4o',
      instructions: 'Be brief',
      metadata: { conversation: 'c1' },
      usage: { output_tokens: 30 },
    });
    expect(response.output_text.split(/\s+/)).toHaveLength(30);
    expect(response.output_text).toContain('You said: "Plain please"');
    expect(response.output_text).toContain('instructions: followed');
  });

  it('continues a conversation through previous_response_id', async () => {
    upstream = await startTestEmulator({ replyWords: 40 });
    const first = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'My name is Ada',
    });
    const second = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'What is my name?',
      previous_response_id: first.id,
      stream: true,
    });
    const text = deltasOf((await collect(second)).events).join('');

    expect(first.output_text).toMatch(/^Turn 1 of our conversation \(1 message in view\)/);
    expect(text).toMatch(/^Turn 2 of our conversation \(3 messages in view\)/);
    expect(text).toContain('You said: "What is my name?"');
    expect(text).toContain('first message: "My name is Ada"');
    const log = upstream.emulator.requests();
    expect(log.map((r) => [r.model, r.previous_response_id])).toEqual([
      ['gpt-4o', null],
      ['gpt-4o', first.id],
    ]);
    expect(log[1]?.id).toMatch(/^resp_/);
  });

  it('counts history sent as input items when there is no chain', async () => {
    upstream = await startTestEmulator({ replyWords: 40 });
    const response = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: 'two' },
      ],
    });
    expect(response.output_text).toMatch(/^Turn 2 of our conversation \(3 messages in view\)/);
  });

  it('rejects an unknown, expired or unstored previous response as the SDK expects', async () => {
    upstream = await startTestEmulator();
    const { client, emulator } = upstream;
    const chainFrom = (id: string) =>
      client.responses.create({ model: 'gpt-4o', input: 'next', previous_response_id: id });

    const unknown = await chainFrom('resp_missing').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect(unknown).toMatchObject({
      status: 400,
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      type: 'invalid_request_error',
      message: expect.stringContaining("Previous response with id 'resp_missing' not found."),
    });

    const unstored = await client.responses.create({ model: 'gpt-4o', input: 'x', store: false });
    await expect(chainFrom(unstored.id)).rejects.toMatchObject({
      code: 'previous_response_not_found',
    });

    const stored = await client.responses.create({ model: 'gpt-4o', input: 'x' });
    await expect(chainFrom(stored.id)).resolves.toMatchObject({ status: 'completed' });
    emulator.expire(stored.id);
    await expect(chainFrom(stored.id)).rejects.toMatchObject({
      code: 'previous_response_not_found',
    });
    expect(emulator.requests().map((r) => r.id === null)).toEqual([
      true,
      false,
      true,
      false,
      false,
      true,
    ]);
  });

  it('retrieves a stored response, and 404s an unknown one', async () => {
    upstream = await startTestEmulator({ replyWords: 10 });
    const created = await upstream.client.responses.create({ model: 'gpt-4o', input: 'keep me' });
    const retrieved = await upstream.client.responses.retrieve(created.id);

    expect(retrieved.id).toBe(created.id);
    expect(retrieved.output_text).toBe(created.output_text);
    await expect(upstream.client.responses.retrieve('resp_nope')).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });

  it('cancels a stream in flight', async () => {
    upstream = await startTestEmulator({ replyWords: 500, tokensPerSecond: 100 });
    const stream = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'long one',
      stream: true,
    });
    const events = [];
    let id = '';
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta' && events.length === 8) {
        const cancelled = await upstream.client.responses.cancel(id);
        expect(cancelled.status).toBe('cancelled');
      }
    }

    // The stream ends without a terminal event, long before its 500 deltas.
    expect(deltasOf(events).length).toBeLessThan(100);
    expect(events.at(-1)?.type).toBe('response.output_text.delta');
    const stored = await upstream.client.responses.retrieve(id);
    expect(stored.status).toBe('cancelled');
    expect(stored.output_text).toBe(deltasOf(events).join(''));
    await expect(upstream.client.responses.cancel(id)).resolves.toMatchObject({
      status: 'cancelled',
    });
  });

  it('refuses to cancel a finished response', async () => {
    upstream = await startTestEmulator();
    const done = await upstream.client.responses.create({ model: 'gpt-4o', input: 'x' });
    await expect(upstream.client.responses.cancel(done.id)).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });

  it('stops writing when the client goes away', async () => {
    upstream = await startTestEmulator({ replyWords: 1000, tokensPerSecond: 200 });
    const stream = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'leave early',
      stream: true,
    });
    let id = '';
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') break; // the SDK aborts the request
    }

    const stored = await eventually(async () => {
      const response = await upstream.client.responses.retrieve(id);
      return response.status === 'in_progress' ? undefined : response;
    });
    expect(stored.status).toBe('failed');
    expect(stored.output_text.split(/\s+/).length).toBeLessThan(1000);
    // The emulator is still healthy.
    await expect(
      upstream.client.responses.create({ model: 'gpt-4o', input: 'still there?' }),
    ).resolves.toMatchObject({ status: 'completed' });
  });
});
