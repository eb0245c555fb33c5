/**
 * Stopping the server while an answer streams: a WebSocket subscriber gets the answer's final
 * event (STREAM_INTERRUPTED) before its socket closes.
 */
import { afterEach, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../helpers/app.js';
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
