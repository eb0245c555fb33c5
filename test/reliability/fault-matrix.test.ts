/**
 * Every upstream fault at the API level: a client subscribed over graphql-ws gets a StreamError
 * with a stable `code` and `retryable`, the answer is stored with its partial text and status,
 * and the next sendMessage in the same conversation completes.
 */
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/emulator/types.js';
import { type AppFixture, createAppFixture } from '../helpers/app.js';
import { type DropProxy, startDropProxy } from './lib/drop-proxy.js';
import { CONVERSATION, operation, Recorder, SEND, wsClient } from './lib/gql.js';

const REPLY_WORDS = 10;

let fx: AppFixture;
let proxy: DropProxy;
let client: Client;

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

interface Case {
  name: string;
  faults?: Fault[];
  /** Requests the proxy drops before any header. */
  drops?: number;
  code: string;
  retryable: boolean;
  status: 'FAILED' | 'INCOMPLETE';
  partialWords: number;
  retryAfterSeconds?: number;
}

const cases: Case[] = [
  {
    name: '429 storm beyond the retries',
    faults: [{ type: 'http_error', status: 429, retryAfterSeconds: 1, count: 2 }],
    code: 'RATE_LIMITED',
    retryable: true,
    status: 'FAILED',
    partialWords: 0,
    retryAfterSeconds: 1,
  },
  ...([500, 502, 503] as const).map((status) => ({
    name: `${status} beyond the retries`,
    faults: [{ type: 'http_error', status, count: 2 } satisfies Fault],
    code: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
    status: 'FAILED' as const,
    partialWords: 0,
  })),
  {
    name: 'connection dropped before the headers, beyond the retries',
    drops: 2,
    code: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
    status: 'FAILED',
    partialWords: 0,
  },
  {
    name: 'connection dropped after response.created',
    faults: [{ type: 'drop_after', deltas: 0 }],
    code: 'STREAM_INTERRUPTED',
    retryable: true,
    status: 'FAILED',
    partialWords: 0,
  },
  {
    name: 'connection dropped after 4 deltas',
    faults: [{ type: 'drop_after', deltas: 4 }],
    code: 'STREAM_INTERRUPTED',
    retryable: true,
    status: 'FAILED',
    partialWords: 4,
  },
  {
    name: 'connection dropped after the last delta, before response.completed',
    faults: [{ type: 'drop_after', deltas: REPLY_WORDS }],
    code: 'STREAM_INTERRUPTED',
    retryable: true,
    status: 'FAILED',
    partialWords: REPLY_WORDS,
  },
  {
    name: 'stall before the first delta, beyond the timeout',
    faults: [{ type: 'stall', afterDeltas: 0, ms: 2_500 }],
    code: 'TIMEOUT',
    retryable: true,
    status: 'FAILED',
    partialWords: 0,
  },
  {
    name: 'stall after 3 deltas, beyond the timeout',
    faults: [{ type: 'stall', afterDeltas: 3, ms: 2_500 }],
    code: 'TIMEOUT',
    retryable: true,
    status: 'FAILED',
    partialWords: 3,
  },
  {
    name: 'response.failed (server_error)',
    faults: [{ type: 'response_failed', afterDeltas: 3 }],
    code: 'RESPONSE_FAILED',
    retryable: true,
    status: 'FAILED',
    partialWords: 3,
  },
  {
    name: 'error event (server_error)',
    faults: [{ type: 'error_event', afterDeltas: 2 }],
    code: 'UPSTREAM_ERROR',
    retryable: true,
    status: 'FAILED',
    partialWords: 2,
  },
  {
    name: 'error event (invalid_prompt, not worth retrying)',
    faults: [{ type: 'error_event', afterDeltas: 2, code: 'invalid_prompt' }],
    code: 'UPSTREAM_ERROR',
    retryable: false,
    status: 'FAILED',
    partialWords: 2,
  },
  {
    name: 'error event (rate_limit_exceeded)',
    faults: [{ type: 'error_event', afterDeltas: 1, code: 'rate_limit_exceeded' }],
    code: 'RATE_LIMITED',
    retryable: true,
    status: 'FAILED',
    partialWords: 1,
  },
  {
    name: 'nested error event (thrown by the SDK)',
    faults: [{ type: 'error_event', afterDeltas: 2, nested: true }],
    code: 'UPSTREAM_ERROR',
    retryable: true,
    status: 'FAILED',
    partialWords: 2,
  },
  {
    name: 'malformed SSE frame',
    faults: [{ type: 'malformed_sse', afterDeltas: 2 }],
    code: 'STREAM_INTERRUPTED',
    retryable: true,
    status: 'FAILED',
    partialWords: 2,
  },
  {
    name: 'response.incomplete',
    faults: [{ type: 'incomplete', afterDeltas: 4 }],
    code: 'RESPONSE_INCOMPLETE',
    retryable: false,
    status: 'INCOMPLETE',
    partialWords: 4,
  },
  {
    name: 'model not found, no fallback',
    faults: [{ type: 'model_not_found' }],
    code: 'MODEL_UNAVAILABLE',
    retryable: false,
    status: 'FAILED',
    partialWords: 0,
  },
];

/** Sends `text` in the conversation and returns the final stream event and the stored answer. */
async function turn(conversationId: string, text: string) {
  const recorder = new Recorder(client, conversationId);
  try {
    const sent = await operation(client, SEND, { input: { conversationId, text } });
    expect(sent.errors).toBeUndefined();
    const messageId = sent.data?.sendMessage.assistantMessage.id as string;
    const final = await recorder.final(messageId);
    const stored = await operation(
      client,
      CONVERSATION.replace('status }', 'status error { code retryable retryAfterSeconds } }'),
      { id: conversationId },
    );
    const message = stored.data?.conversation.messages.find(
      (m: { id: string }) => m.id === messageId,
    );
    return { final, message, received: recorder.received(messageId) };
  } finally {
    recorder.close();
  }
}

// Once with the upstream read on the main thread, once in an upstream thread: the same
// faults must reach the client the same way.
describe.each([0, 1])(
  'upstream faults over graphql-ws (upstream threads: %i)',
  (upstreamThreads) => {
    beforeAll(async () => {
      proxy = await startDropProxy();
      fx = await createAppFixture({
        emulator: { replyWords: REPLY_WORDS },
        // One SDK retry, so a storm is a fault that outlasts the retries; a 1 s stream idle limit.
        config: { maxRetries: 1, timeoutMs: 1_000, streamIdleMs: 1_000, upstreamThreads },
        app: { responsesBaseURL: proxy.baseURL },
      });
      proxy.target = fx.emulator.baseURL.replace(/\/v1$/, '');
      client = wsClient(await fx.start(), fx.tokens.alice);
    });
    afterEach(() => {
      fx.emulator.reset();
      fx.emulator.setPacing({ tokensPerSecond: 0, replyWords: REPLY_WORDS });
    });
    afterAll(async () => {
      await client.dispose();
      await fx.close();
      await proxy.close();
    });

    it.each(cases)('$name -> $code', async (c) => {
      const created = await operation(client, 'mutation { createConversation { id } }');
      const conversationId = created.data?.createConversation.id as string;
      // A completed turn first, so the faulty one is chained (previous_response_id).
      expect((await turn(conversationId, 'first')).final.__typename).toBe('TextDone');

      for (const fault of c.faults ?? []) fx.emulator.queueFault(fault);
      proxy.dropNext(c.drops ?? 0);
      const { final, message, received } = await turn(conversationId, 'faulty');
      expect(final).toMatchObject({
        __typename: 'StreamError',
        code: c.code,
        retryable: c.retryable,
        status: c.status,
        retryAfterSeconds: c.retryAfterSeconds ?? null,
      });
      // What the client was told, what it received and what is stored agree.
      expect(words(final.partialText ?? '')).toBe(c.partialWords);
      expect(final.partialText).toBe(received.text);
      expect(message).toMatchObject({
        text: final.partialText,
        status: c.status,
        error: { code: c.code, retryable: c.retryable },
      });

      const next = await turn(conversationId, 'and again');
      expect(next.final.__typename).toBe('TextDone');
      expect(next.message).toMatchObject({ status: 'COMPLETE', text: next.final.text });
      expect(words(next.message.text)).toBe(REPLY_WORDS);
    });
  },
);
