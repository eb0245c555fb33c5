/**
 * A small graphql-ws client for scripts that drive a server in another process: one-shot
 * operations and a subscription that keeps every event it receives.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: results are read by shape
export type Loose = Record<string, any>;

export interface OperationResult {
  data?: Loose | null;
  errors?: Array<{ message: string; extensions?: Loose }>;
}

export const STREAM = `subscription ($conversationId: ID!, $after: Int, $messageId: ID) {
  messageStream(conversationId: $conversationId, after: $after, messageId: $messageId) {
    __typename
    ... on TextCreated { conversationId messageId seq }
    ... on TextDelta { conversationId messageId seq delta }
    ... on TextDone { conversationId messageId seq text }
    ... on StreamError { conversationId messageId seq code message partialText retryable status retryAfterSeconds }
  }
}`;

export const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) {
  conversation { id } userMessage { id text } assistantMessage { id status } } }`;

export const CONVERSATION = `query ($id: ID!) { conversation(id: $id) {
  id chatName messages { id role text status } } }`;

export interface StreamEvent {
  __typename: 'TextCreated' | 'TextDelta' | 'TextDone' | 'StreamError';
  conversationId: string;
  messageId: string;
  seq: number;
  delta?: string;
  text?: string;
  code?: string;
  message?: string;
  partialText?: string;
  retryable?: boolean;
  status?: string;
  retryAfterSeconds?: number | null;
}

export function wsClient(
  url: string,
  token: string | null,
  options: { connectionParams?: Record<string, unknown> } = {},
) {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams:
      options.connectionParams ??
      (token === null ? undefined : { authorization: `Bearer ${token}` }),
  });
}

/** Runs one query or mutation over the socket. */
export async function operation(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<OperationResult> {
  const iterator = client.iterate({ query, variables });
  try {
    const first = await iterator.next();
    return (first.value ?? {}) as OperationResult;
  } finally {
    await iterator.return?.();
  }
}

/** Runs an operation over HTTP POST. */
export async function post(
  url: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<OperationResult & { status: number }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as OperationResult) };
}

/** A live messageStream subscription that records every event until disposed. */
export class Recorder {
  readonly events: StreamEvent[] = [];
  readonly errors: unknown[] = [];
  private readonly dispose: () => void;
  private waiters: Array<() => void> = [];

  constructor(client: Client, conversationId: string) {
    this.dispose = client.subscribe<Loose>(
      { query: STREAM, variables: { conversationId } },
      {
        next: (result) => {
          if (result.errors) this.errors.push(result.errors);
          const event = result.data?.messageStream as StreamEvent | undefined;
          if (event) this.events.push(event);
          for (const wake of this.waiters.splice(0)) wake();
        },
        error: (error) => {
          this.errors.push(error);
          for (const wake of this.waiters.splice(0)) wake();
        },
        complete: () => {},
      },
    );
  }

  /** Text of the deltas received for a message, in seq order, and how many there were. */
  received(messageId: string): { text: string; deltas: number; done: StreamEvent | undefined } {
    const mine = this.events.filter((event) => event.messageId === messageId);
    const deltas = mine.filter((event) => event.__typename === 'TextDelta');
    return {
      text: deltas.map((event) => event.delta).join(''),
      deltas: deltas.length,
      done: mine.find((e) => e.__typename === 'TextDone' || e.__typename === 'StreamError'),
    };
  }

  /** Resolves with the final event of a message (TextDone or StreamError). */
  async final(messageId: string, timeoutMs = 10_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = this.received(messageId).done;
      if (done) return done;
      if (Date.now() > deadline) {
        throw new Error(`no final event for ${messageId} within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.dispose();
  }
}
