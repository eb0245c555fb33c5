import { CloseCode, createClient } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql.js';
import { ApiError, toApiError } from './errors.js';

/** `reconnecting`: the socket dropped while a subscription was open; it is being restored. */
export type ConnectionStatus = 'idle' | 'connected' | 'reconnecting';

export interface SubscriptionSink<Result> {
  next(data: Result): void;
  error(error: ApiError): void;
  complete(): void;
}

export interface Socket {
  /**
   * Starts a subscription and returns its dispose function. After a reconnect the client sends
   * the same `variables` object again, so a caller that keeps it current resumes where it was.
   */
  subscribe<Result, Variables extends Record<string, unknown>>(
    document: TypedDocumentString<Result, Variables>,
    variables: Variables,
    sink: SubscriptionSink<Result>,
  ): () => void;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  dispose(): void;
}

export interface SocketOptions {
  /** ws:// or wss:// URL of the GraphQL endpoint. */
  url: string;
  /** Read on every (re)connect. */
  token: () => string | null;
  /**
   * A ping without a pong within this time closes the socket, so a silently dead network is
   * noticed and retried instead of hanging.
   * @default 4000
   */
  pongTimeoutMs?: number;
}

const authCloseCodes = new Set<number>([CloseCode.Unauthorized, CloseCode.Forbidden]);

/** 0.3 s, 0.6 s, 1.2 s ... capped at 5 s, with jitter so many clients do not retry in step. */
export function backoffDelay(retries: number): number {
  const base = Math.min(300 * 2 ** retries, 5000);
  return base / 2 + Math.random() * (base / 2);
}

export function createSocket({ url, token, pongTimeoutMs = 4000 }: SocketOptions): Socket {
  const listeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'idle';
  let openSubscriptions = 0;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let activeSocket: WebSocket | undefined;

  const setStatus = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of listeners) listener(status);
  };

  const client = createClient({
    url,
    lazy: true,
    keepAlive: 8000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => !isAuthClose(event),
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffDelay(retries))),
    connectionParams: () => {
      const bearer = token();
      return bearer ? { authorization: `Bearer ${bearer}` } : {};
    },
    on: {
      connected: (socket) => {
        activeSocket = socket as WebSocket;
        setStatus('connected');
      },
      closed: () => {
        activeSocket = undefined;
        clearTimeout(pongTimer);
        setStatus(openSubscriptions > 0 ? 'reconnecting' : 'idle');
      },
      ping: (received) => {
        if (received) return;
        pongTimer = setTimeout(() => {
          // 4408 is not fatal to graphql-ws, so the client reconnects after this close.
          if (activeSocket?.readyState === WebSocket.OPEN) activeSocket.close(4408, 'Pong timeout');
        }, pongTimeoutMs);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  function subscribe<Result, Variables extends Record<string, unknown>>(
    document: TypedDocumentString<Result, Variables>,
    variables: Variables,
    sink: SubscriptionSink<Result>,
  ): () => void {
    openSubscriptions += 1;
    let open = true;
    const release = () => {
      if (!open) return;
      open = false;
      openSubscriptions -= 1;
      // A close graphql-ws does not retry (1011, 4500) ends every subscription: nothing is being
      // restored any more, so the page must not say it is.
      if (openSubscriptions === 0 && status === 'reconnecting') setStatus('idle');
    };
    const dispose = client.subscribe<Result>(
      { query: document.toString(), variables },
      {
        next: (result) => {
          if (result.errors?.length) sink.error(toApiError(result.errors));
          else if (result.data) sink.next(result.data);
        },
        error: (error) => {
          release();
          sink.error(
            isAuthClose(error)
              ? new ApiError('UNAUTHENTICATED', 'A valid token is required.')
              : toApiError(error),
          );
        },
        complete: () => {
          release();
          sink.complete();
        },
      },
    );
    return () => {
      release();
      dispose();
    };
  }

  return {
    subscribe,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      listeners.clear();
      void client.dispose();
    },
  };
}

function isAuthClose(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    authCloseCodes.has(Number((error as { code: unknown }).code))
  );
}

/** The graphql-ws URL for a same-origin endpoint path. */
export function socketUrl(path: string, location: Location = window.location): string {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${location.host}${path}`;
}
