import { createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useCompiledSubscriptions } from '../../src/http/compiled-subscriptions.js';
import { schema } from '../../src/schema/index.js';
import { Subscription } from '../../src/services/chat/subscription.js';
import { NotFoundError } from '../../src/services/errors.js';
import type { ChatEvent, SubscribeOptions } from '../../src/services/types.js';

const base = { conversationId: 'c1', messageId: 'm1' };
const EVENTS: ChatEvent[] = [
  { ...base, seq: 1, type: 'TEXT_CREATED' },
  { ...base, seq: 2, type: 'TEXT_DELTA', delta: 'Hel' },
  { ...base, seq: 3, type: 'TEXT_DELTA', delta: 'lo "quoted" \u2028 ✓' },
  {
    ...base,
    seq: 4,
    type: 'TEXT_DONE',
    text: 'Hello',
    responseId: 'resp_1',
    model: 'o1-mini',
    usage: { input_tokens: 3, output_tokens: 2, reasoning_tokens: 1, total_tokens: 5 },
  },
  { ...base, seq: 5, type: 'TEXT_DONE', text: '', responseId: 'resp_2', model: 'm', usage: null },
  {
    ...base,
    seq: 6,
    type: 'STREAM_ERROR',
    code: 'RATE_LIMITED',
    message: 'slow down',
    partialText: 'He',
    retryable: true,
    retryAfterSeconds: 7,
    status: 'FAILED',
  },
  {
    ...base,
    seq: 7,
    type: 'STREAM_ERROR',
    code: 'STREAM_INTERRUPTED',
    message: 'cut',
    partialText: '',
    retryable: true,
    status: 'INCOMPLETE',
  },
];

const QUERY = `subscription Live($c: ID!, $after: Int, $withText: Boolean!) {
  messageStream(conversationId: $c, after: $after, messageId: "m0") {
    kind: __typename
    ... on TextCreated { conversationId messageId seq }
    ... on TextDelta { seq delta text: delta @include(if: $withText) }
    ...Done
    ... on StreamError { seq code message partialText retryable retryAfterSeconds status }
  }
}
fragment Done on TextDone {
  seq text responseId model
  usage { inputTokens outputTokens reasoningTokens totalTokens }
}`;

/** Runs QUERY over yoga with `plugins`, feeding EVENTS; returns what the resolver was asked. */
async function run(plugins: Plugin[], fail?: Error) {
  const yoga = createYoga({ schema, plugins, maskedErrors: false });
  const { subscribe, parse } = yoga.getEnveloped({});
  const source = new Subscription<ChatEvent>(100, () => {});
  const asked: Array<{ conversationId: string; after: unknown; messageId: unknown }> = [];
  const contextValue = {
    user: 'alice',
    token: 't',
    authRecheckMs: 60_000,
    services: {
      users: { authenticate: async () => 'alice' },
      chat: {
        subscribe: async (_user: string, conversationId: string, options: SubscribeOptions) => {
          asked.push({ conversationId, after: options.after, messageId: options.messageId });
          if (fail) throw fail;
          return source;
        },
      },
    },
  };
  const result = await subscribe({
    schema,
    document: parse(QUERY),
    operationName: 'Live',
    contextValue,
    variableValues: { c: 'c1', after: 3, withText: true },
  });
  if (!(Symbol.asyncIterator in (result as object))) return { asked, results: [result] };
  const iterator = (result as AsyncIterableIterator<unknown>)[Symbol.asyncIterator]();
  const results: unknown[] = [];
  for (const event of EVENTS) {
    source.push(event);
    results.push((await iterator.next()).value);
  }
  await iterator.return?.();
  return { asked, results, ended: source.ended };
}

describe('compiled subscription events', () => {
  it('give what the interpreting executor gives, event for event', async () => {
    const compiled = await run([useCompiledSubscriptions()]);
    const interpreted = await run([]);
    expect(compiled.results).toEqual(interpreted.results);
    expect(compiled.results[2]).toEqual({
      data: {
        messageStream: {
          kind: 'TextDelta',
          seq: 3,
          delta: 'lo "quoted" \u2028 ✓',
          text: 'lo "quoted" \u2028 ✓',
        },
      },
    });
    expect(compiled.results[3]).toMatchObject({
      data: { messageStream: { usage: { inputTokens: 3, totalTokens: 5 } } },
    });
  });

  it("pass the field's own arguments to the source, not the operation's variables", async () => {
    const { asked } = await run([useCompiledSubscriptions()]);
    expect(asked).toEqual([{ conversationId: 'c1', after: 3, messageId: 'm0' }]);
  });

  it('end the source when the client leaves', async () => {
    expect((await run([useCompiledSubscriptions()])).ended).toBe(true);
  });

  it('report a source that cannot open as the interpreting executor does', async () => {
    const compiled = await run([useCompiledSubscriptions()], new NotFoundError());
    const interpreted = await run([], new NotFoundError());
    expect(JSON.parse(JSON.stringify(compiled.results))).toEqual(
      JSON.parse(JSON.stringify(interpreted.results)),
    );
    expect(JSON.stringify(compiled.results)).toContain('Conversation not found');
  });
});
