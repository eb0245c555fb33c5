/**
 * Stopping the server while an answer streams: a WebSocket or SSE subscriber gets the answer's
 * final event (STREAM_INTERRUPTED) before its socket closes.
 */
import { afterEach, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, type ExecResult, sse } from '../helpers/app.js';
import { waitFor } from '../helpers/chat.js';
import { operation, Recorder, SEND, wsClient } from '../reliability/lib/gql.js';

let fx: AppFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

it('sends each WebSocket subscriber the final event of an answer cut short by shutdown', async () => {
  fx = await createAppFixture({ emulator: { tokensPerSecond: 20, replyWords: 200 } });
  const url = await fx.start();
  const client = wsClient(url, fx.tokens.alice);
  const { data } = await operation(client, 'mutation { createConversation { id } }');
  const conversationId = data?.createConversation.id as string;
  const recorder = new Recorder(client, conversationId);
  const sent = await operation(client, SEND, { input: { conversationId, text: 'A long one' } });
  const messageId = sent.data?.sendMessage.assistantMessage.id as string;
  await waitFor(() => (recorder.received(messageId).deltas >= 2 ? true : undefined));

  await fx.app.stop();

  expect(recorder.received(messageId).done).toMatchObject({
    __typename: 'StreamError',
    code: 'STREAM_INTERRUPTED',
    status: 'INCOMPLETE',
  });
  expect(recorder.errors).toEqual([]);
  await client.dispose();
});

it('ends an SSE subscription at shutdown with the final event and its completion, not a cut', async () => {
  fx = await createAppFixture({ emulator: { tokensPerSecond: 20, replyWords: 200 } });
  const url = await fx.start();
  const { data } = await fx.exec('mutation { createConversation { id } }');
  const conversationId = data?.createConversation.id as string;
  const query = `subscription ($id: ID!) { messageStream(conversationId: $id) {
    __typename ... on StreamError { code } } }`;
  const events: ExecResult[] = [];
  // Ends without an error only at the server's `complete`: a cut connection throws.
  const reading = (async () => {
    for await (const event of sse(
      `${url}/graphql`,
      query,
      { id: conversationId },
      fx!.tokens.alice,
    )) {
      events.push(event);
    }
  })();
  await fx.exec(
    'mutation ($id: ID!) { sendMessage(input: { conversationId: $id, text: "Long" }) { __typename } }',
    {
      id: conversationId,
    },
  );
  await waitFor(() => (events.length >= 3 ? true : undefined));
  await fx.app.stop();
  await reading;
  expect(events.at(-1)?.data).toEqual({
    messageStream: { __typename: 'StreamError', code: 'STREAM_INTERRUPTED' },
  });
});
