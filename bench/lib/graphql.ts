/** The bench's GraphQL client side: users, queries over HTTP, subscriptions over graphql-ws. */
import { performance } from 'node:perf_hooks';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const CREATE = 'mutation { createConversation(chatName: "bench") { id } }';
export const SEND = `mutation ($input: SendMessageInput!) {
  sendMessage(input: $input) { assistantMessage { id } } }`;
export const STREAM = `subscription ($conversationId: ID!) {
  messageStream(conversationId: $conversationId) {
    __typename
    ... on TextCreated { messageId seq }
    ... on TextDelta { messageId seq delta }
    ... on TextDone { messageId seq text }
    ... on StreamError { messageId seq code message }
  }
}`;

export interface StreamEvent {
  __typename: 'TextCreated' | 'TextDelta' | 'TextDone' | 'StreamError';
  messageId: string;
  seq: number;
  delta?: string;
  text?: string;
  code?: string;
  message?: string;
}

export async function gql<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export const createConversation = async (url: string, token: string) =>
  (await gql<{ createConversation: { id: string } }>(url, token, CREATE)).createConversation.id;

export const sendMessage = async (url: string, token: string, conversationId: string) =>
  (
    await gql<{ sendMessage: { assistantMessage: { id: string } } }>(url, token, SEND, {
      input: { conversationId, text: 'Stream a long answer, please.' },
    })
  ).sendMessage.assistantMessage.id;

/** One WebSocket; every `subscribe` on it is multiplexed over that connection. */
export async function connect(url: string, token: string): Promise<Client> {
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
  });
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      resolve();
    });
    client.on('error', reject);
  });
  return client;
}

/** Subscribes to a conversation's stream; `onEvent` gets each event and its receipt time. */
export function subscribe(
  client: Client,
  conversationId: string,
  onEvent: (event: StreamEvent, receivedAt: number) => void,
  onError: (error: unknown) => void = () => {},
): () => void {
  return client.subscribe<{ messageStream: StreamEvent }>(
    { query: STREAM, variables: { conversationId } },
    {
      next: (result) => {
        const receivedAt = epochMs();
        if (result.data) onEvent(result.data.messageStream, receivedAt);
        else onError(new Error(JSON.stringify(result.errors)));
      },
      error: onError,
      complete: () => {},
    },
  );
}

/** Epoch milliseconds with sub-millisecond precision, comparable across local processes. */
export const epochMs = () => performance.timeOrigin + performance.now();
