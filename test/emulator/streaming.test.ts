import { afterEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { collect, deltasOf, typesOf } from './collect.js';

let upstream: TestEmulator;
afterEach(() => upstream?.close());

const MESSAGE_EVENTS = [
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
];

/** The stream's event types with the run of deltas folded into one entry. */
const shape = (types: string[]) =>
  types.filter((type, i) => type !== 'response.output_text.delta' || types[i - 1] !== type);

describe('streaming responses', () => {
  it('sends the API events in order with sequence numbers from 0', async () => {
    upstream = await startTestEmulator({ replyWords: 12 });
    const stream = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'Tell me something',
      stream: true,
    });
    const { events, error } = await collect(stream);

    expect(error).toBeUndefined();
    expect(shape(typesOf(events))).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      ...MESSAGE_EVENTS.slice(2),
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));

    const created = events[0];
    expect(created?.type === 'response.created' && created.response).toMatchObject({
      object: 'response',
      status: 'in_progress',
      model: 'gpt-4o',
      output: [],
    });
    const id = created?.type === 'response.created' ? created.response.id : '';
    expect(id).toMatch(/^resp_[0-9a-f]{48}$/);

    const delta = events.find((event) => event.type === 'response.output_text.delta');
    expect(delta).toMatchObject({
      item_id: expect.stringMatching(/^msg_/),
      output_index: 0,
      content_index: 0,
      logprobs: [],
    });
  });

  it('assembles the same text from deltas, the done event and the final response', async () => {
    upstream = await startTestEmulator({ replyWords: 40 });
    const stream = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'Assemble me',
      stream: true,
    });
    const { events } = await collect(stream);
    const fromDeltas = deltasOf(events).join('');
    const done = events.find((event) => event.type === 'response.output_text.done');
    const completed = events.at(-1);
    if (done?.type !== 'response.output_text.done' || completed?.type !== 'response.completed') {
      throw new Error('missing done or completed event');
    }

    expect(fromDeltas).toContain('You said: "Assemble me"');
    expect(done.text).toBe(fromDeltas);
    const message = completed.response.output[0];
    expect(message?.type === 'message' && message.content[0]).toEqual({
      type: 'output_text',
      annotations: [],
      logprobs: [],
      text: fromDeltas,
    });
    expect(completed.response.status).toBe('completed');
    expect(completed.response.usage).toMatchObject({
      input_tokens: 2,
      output_tokens: 40,
      total_tokens: 42,
      output_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('streams exactly replyWords deltas, one word each, even for long replies', async () => {
    upstream = await startTestEmulator({ replyWords: 100 });
    const short = deltasOf((await collect(await stream(upstream))).events);
    expect(short).toHaveLength(100);
    for (const delta of short) expect(delta).toMatch(/^\S+\s*$/);

    upstream.emulator.setPacing({ replyWords: 20_000 });
    const long = deltasOf((await collect(await stream(upstream))).events);
    expect(long).toHaveLength(20_000);
  });

  it('emits a reasoning item before the message for reasoning models', async () => {
    upstream = await startTestEmulator({ replyWords: 5 });
    const { events } = await collect(await stream(upstream, 'o3-mini'));

    expect(shape(typesOf(events))).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      ...MESSAGE_EVENTS.slice(2),
      'response.completed',
    ]);
    const reasoning = events[2];
    expect(reasoning).toMatchObject({
      output_index: 0,
      item: { type: 'reasoning', summary: [], id: expect.stringMatching(/^rs_/) },
    });
    const delta = events.find((event) => event.type === 'response.output_text.delta');
    expect(delta).toMatchObject({ output_index: 1 });
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('not completed');
    expect(completed.response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(completed.response.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it('ends incomplete when max_output_tokens is smaller than the reply', async () => {
    upstream = await startTestEmulator({ replyWords: 60 });
    const response = await upstream.client.responses.create({
      model: 'gpt-4o',
      input: 'Be long',
      stream: true,
      max_output_tokens: 20,
    });
    const { events } = await collect(response);
    const last = events.at(-1);

    expect(deltasOf(events)).toHaveLength(20);
    expect(last?.type).toBe('response.incomplete');
    expect(last?.type === 'response.incomplete' && last.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
  });

  it('spaces deltas at the configured pace', async () => {
    upstream = await startTestEmulator({ replyWords: 11, tokensPerSecond: 50 });
    const started = Date.now();
    const { events } = await collect(await stream(upstream));
    // 11 deltas at 50 per second: the last is due 10 intervals (200 ms) after the first.
    expect(deltasOf(events)).toHaveLength(11);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('holds every stream before its first delta until released, then paces from the release', async () => {
    upstream = await startTestEmulator({ replyWords: 6, tokensPerSecond: 50 });
    upstream.emulator.setPacing({ hold: true });
    const readers = [await stream(upstream), await stream(upstream)].map(async (events) => {
      const seen: Array<{ type: string; at: number }> = [];
      for await (const event of events) seen.push({ type: event.type, at: Date.now() });
      return seen;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const releasedAt = Date.now();
    upstream.emulator.setPacing({ hold: false });
    for (const seen of await Promise.all(readers)) {
      const deltas = seen.filter((event) => event.type === 'response.output_text.delta');
      expect(deltas).toHaveLength(6);
      expect(seen.find((event) => event.type === 'response.created')!.at).toBeLessThan(releasedAt);
      expect(deltas[0]!.at).toBeGreaterThanOrEqual(releasedAt);
      // Paced from the release: 6 deltas at 50 per second span 5 intervals (100 ms).
      expect(deltas.at(-1)!.at - releasedAt).toBeGreaterThanOrEqual(95);
    }
    // Streams started after the release are not held.
    expect(deltasOf((await collect(await stream(upstream))).events)).toHaveLength(6);
  });

  it('refuses a non-boolean hold', async () => {
    upstream = await startTestEmulator();
    expect(() => upstream.emulator.setPacing({ hold: 'yes' as never })).toThrow(/hold/);
  });
});

function stream(upstream: TestEmulator, model = 'gpt-4o') {
  return upstream.client.responses.create({ model, input: 'Hello', stream: true });
}
