import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { type ProcessedEvent, StreamEventProcessor } from '../../src/services/stream-processor.js';

// Event-level cases the emulator does not produce (reasoning items, unknown event types, a
// provider that sends no deltas). Faults over the wire are covered in chat-service.test.ts.

const response = (overrides: Record<string, unknown> = {}) =>
  ({
    id: 'resp_1',
    object: 'response',
    model: 'o1-mini',
    status: 'in_progress',
    output: [],
    usage: null,
    error: null,
    incomplete_details: null,
    ...overrides,
  }) as never;

const usage = {
  input_tokens: 10,
  output_tokens: 20,
  output_tokens_details: { reasoning_tokens: 8 },
  input_tokens_details: { cached_tokens: 0 },
  total_tokens: 30,
};

async function run(events: unknown[], fail?: Error): Promise<ProcessedEvent[]> {
  async function* source() {
    for (const event of events) yield event as ResponseStreamEvent;
    if (fail) throw fail;
  }
  const out: ProcessedEvent[] = [];
  await new StreamEventProcessor().run(source(), (event) => out.push(event));
  return out;
}

describe('StreamEventProcessor', () => {
  it('reads the usage of OpenAI-compatible servers that report it differently or in part', async () => {
    const usageOf = async (reported: unknown) => {
      const out = await run([
        { type: 'response.output_text.delta', delta: 'Hi', item_id: 'msg_1' },
        {
          type: 'response.completed',
          response: response({ status: 'completed', usage: reported }),
        },
      ]);
      const done = out.at(-1);
      return done?.type === 'TEXT_DONE' ? done.usage : 'no TEXT_DONE';
    };
    // No total and no details: the total is the sum, no reasoning counted.
    expect(await usageOf({ input_tokens: 3, output_tokens: 4 })).toEqual({
      input_tokens: 3,
      output_tokens: 4,
      reasoning_tokens: 0,
      total_tokens: 7,
    });
    // The Chat Completions names.
    expect(await usageOf({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 })).toEqual({
      input_tokens: 5,
      output_tokens: 6,
      reasoning_tokens: 0,
      total_tokens: 11,
    });
    // Counts that are no counts: no usage rather than an error in the API.
    expect(await usageOf({ input_tokens: '3', output_tokens: 4 })).toBeNull();
    expect(await usageOf({ input_tokens: 3, output_tokens: -1 })).toBeNull();
    expect(await usageOf({ input_tokens: 3, output_tokens: 2 ** 40 })).toBeNull();
    // A sum no Int can hold is no total either.
    expect(await usageOf({ input_tokens: 2 ** 31 - 1, output_tokens: 10 })).toBeNull();
    expect(
      await usageOf({
        input_tokens: 1,
        output_tokens: 2,
        total_tokens: 1.5,
        output_tokens_details: null,
      }),
    ).toEqual({ input_tokens: 1, output_tokens: 2, reasoning_tokens: 0, total_tokens: 3 });
  });

  it('ignores reasoning items and unknown events, and reports text and usage', async () => {
    const out = await run([
      { type: 'response.created', response: response(), sequence_number: 0 },
      { type: 'response.output_item.added', item: { type: 'reasoning', id: 'rs_1' } },
      { type: 'response.reasoning_summary_text.delta', delta: 'thinking' },
      { type: 'response.some_future_event', whatever: true },
      { type: 'response.output_text.delta', delta: 'Hel', item_id: 'msg_1' },
      { type: 'response.output_text.delta', delta: 'lo', item_id: 'msg_1' },
      { type: 'response.completed', response: response({ status: 'completed', usage }) },
      { type: 'response.output_text.delta', delta: 'after the end' },
    ]);
    expect(out).toEqual([
      { type: 'TEXT_CREATED', responseId: 'resp_1' },
      { type: 'TEXT_DELTA', delta: 'Hel' },
      { type: 'TEXT_DELTA', delta: 'lo' },
      {
        type: 'TEXT_DONE',
        text: 'Hello',
        responseId: 'resp_1',
        model: 'o1-mini',
        usage: { input_tokens: 10, output_tokens: 20, reasoning_tokens: 8, total_tokens: 30 },
      },
    ]);
  });

  it('takes the text from the final response when no deltas were streamed', async () => {
    const output = [
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'message', content: [{ type: 'output_text', text: 'Whole answer' }] },
    ];
    const out = await run([
      { type: 'response.completed', response: response({ status: 'completed', output }) },
    ]);
    expect(out.at(-1)).toMatchObject({ type: 'TEXT_DONE', text: 'Whole answer' });
  });

  it('turns a stream that ends early into a retryable interruption', async () => {
    const out = await run([
      { type: 'response.created', response: response() },
      { type: 'response.output_text.delta', delta: 'partial' },
    ]);
    expect(out.at(-1)).toMatchObject({
      type: 'STREAM_ERROR',
      responseId: 'resp_1',
      failure: { code: 'STREAM_INTERRUPTED', retryable: true, status: 'FAILED' },
    });
  });

  it('turns a thrown stream error into an error event without leaking its text', async () => {
    const out = await run(
      [{ type: 'response.created', response: response() }],
      new TypeError('terminated: secret-internal-host:443'),
    );
    const last = out.at(-1);
    expect(last).toMatchObject({ type: 'STREAM_ERROR', failure: { code: 'STREAM_INTERRUPTED' } });
    if (last?.type !== 'STREAM_ERROR') throw new Error('expected an error');
    expect(last.failure.message).not.toContain('secret');
    expect(last.failure.detail).toContain('secret');
  });
});
