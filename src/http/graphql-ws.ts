/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's `/graphql` path, running every
 * operation through yoga's envelop chain (as in yoga's `examples/graphql-ws`), so limits, error
 * masking and the context factory are the same as over HTTP.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  Kind,
} from 'graphql';
import type { ConnectionInitMessage } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createGraphQLError, type YogaServerInstance } from 'graphql-yoga';
import { WebSocket, WebSocketServer } from 'ws';
import { authorizationIn, bearerToken } from '../context.js';
import type { Logger } from '../logger.js';
import { isGraphQLError, type MaskError } from '../schema/errors.js';
import type { UserService } from '../services/users.js';
import { bodyTooLarge } from './body-limit.js';
import { graceWhile } from './grace.js';

export interface GraphQLWsOptions {
  server: Server;
  // biome-ignore lint/suspicious/noExplicitAny: yoga's server and user context types vary by app
  yoga: YogaServerInstance<any, any>;
  users: UserService;
  /** The yoga server's `maskedErrors.maskError`: errors reach WebSocket clients as over HTTP. */
  maskError: MaskError;
  logger: Logger;
  /** Largest operation accepted from a client (its JSON), as the HTTP body limit. */
  maxPayloadBytes: number;
  /** A socket that has not sent `connection_init` by then is closed. @default 3_000 */
  connectionInitWaitTimeoutMs?: number;
  /** Interval of ws-level pings; a socket that misses a pong is terminated. @default 12_000 */
  keepAliveMs?: number;
  /** Operations one socket may run at once; more are refused. @default 500 */
  maxOperationsPerSocket?: number;
  /**
   * A socket no valid token has come on by then (at connection_init or with an operation) is
   * closed once it runs nothing (4401). @default 30_000
   */
  signInWaitMs?: number;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

type ConnectionParams = ConnectionInitMessage['payload'];

/**
 * Holds a socket's frames until the current tick's promise jobs have run, then writes them in
 * one `writev`. The stream hub publishes every stream's deltas from one immediate, so the many
 * subscriptions multiplexed on one socket would otherwise cost a system call per frame.
 */
class BatchingWebSocket extends WebSocket {
  #raw: Socket | null = null;
  #corked = false;
  readonly #uncork = () => {
    this.#corked = false;
    this.#raw?.uncork();
  };

  /** `raw` is the TCP socket under this WebSocket (the upgrade request's socket). */
  batchWrites(raw: Socket): void {
    this.#raw = raw;
  }

  override send(data: Parameters<WebSocket['send']>[0], ...rest: unknown[]): void {
    const raw = this.#raw;
    if (raw && !this.#corked && !raw.destroyed) {
      this.#corked = true;
      raw.cork();
      // After the promise jobs queued so far, so the sends they make join this batch.
      process.nextTick(this.#uncork);
    }
    (super.send as (...args: unknown[]) => void).call(this, data, ...rest);
  }
}

export function attachGraphQLWs(options: GraphQLWsOptions) {
  const wss = new WebSocketServer({
    noServer: true,
    path: '/graphql',
    // Twice the limit before ws closes the socket (1009, ending every operation on it): up
    // to there, an operation too large is refused alone, as over HTTP (see onSubscribe).
    maxPayload: 2 * options.maxPayloadBytes,
    WebSocket: BatchingWebSocket,
  });
  // Upgrades are handed over here rather than through ws's `server` option, which would pass
  // every error of the HTTP server (a port in use, an accept that ran out of descriptors) on to
  // graphql-ws, and graphql-ws answers any such error by closing every open socket.
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  options.server.on('upgrade', onUpgrade);
  const maxOperations = options.maxOperationsPerSocket ?? 500;
  const mask = (error: unknown) =>
    asYogaError(options.maskError(error, 'Unexpected error.') as GraphQLError);
  wss.on('connection', (socket, request) => socket.batchWrites(request.socket as Socket));
  // The connections that said connection_init, for `close` to see their operations.
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  const signIns = new SignInWait(options.signInWaitMs ?? 30_000);
  const handle = useServer<ConnectionParams>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs ?? 3_000,
      onClose: (ctx) => {
        connections.delete(ctx);
        signIns.forget(ctx);
      },
      // A token given at connection time must be valid (close 4403 otherwise). Without one the
      // socket stays open and each operation authenticates itself (GraphiQL does that), for a
      // while: see `SignInWait`.
      onConnect: async (ctx) => {
        connections.add(ctx);
        const header = authorizationIn(ctx.connectionParams);
        if (header === undefined) {
          signIns.wait(ctx, ctx.extra.socket);
          return true;
        }
        try {
          return (await options.users.authenticate(bearerToken(header))) !== null;
        } catch (error) {
          // graphql-ws would send the error's message as the close reason: log it instead.
          options.logger.error('could not authenticate a WebSocket connection', { error });
          throw new Error('Internal server error');
        }
      },
      // Checked on every event of every stream: returning nothing keeps the result as it is.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.some(hasHttp)
          ? { ...result, errors: withoutHttp(result.errors) }
          : undefined,
      onError: (_ctx, _id, _payload, errors) =>
        errors.some(hasHttp) ? withoutHttp(errors) : undefined,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        if (Buffer.byteLength(JSON.stringify(params)) > options.maxPayloadBytes) {
          return [
            createGraphQLError(bodyTooLarge(options.maxPayloadBytes), {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        }
        // Each open subscription holds server memory; one socket must not hold without bound.
        if (Object.keys(ctx.subscriptions).length > maxOperations) {
          return [
            // Yoga's error class: graphql-ws checks `instanceof` against the copy yoga uses.
            createGraphQLError(`At most ${maxOperations} operations can run on one connection`, {
              extensions: { code: 'TOO_MANY_OPERATIONS' },
            }),
          ];
        }
        // Every error goes out as an `error` message, masked and coded as over HTTP. A throw
        // would close the socket (4500) and end every other operation on it: the armor limits
        // throw from `validate`, and the context factory may fail.
        try {
          const { schema, execute, subscribe, contextFactory, parse, validate } =
            options.yoga.getEnveloped({
              ...ctx,
              req: ctx.extra.request,
              socket: ctx.extra.socket,
              params,
            });
          let document: ReturnType<typeof parse>;
          try {
            document = parse(params.query);
          } catch (error) {
            if (isGraphQLError(error)) return [parseFailed(error)];
            throw error;
          }
          // Before validation, as yoga does over HTTP: the same request gets the same code.
          const unidentified = unidentifiedOperation(document, params.operationName);
          if (unidentified) return [unidentified];
          const errors = validate(schema, document);
          if (errors.length > 0) return errors.map(mask);
          return {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue: signIns.seen(ctx, await contextFactory()),
            rootValue: { execute, subscribe } satisfies EnvelopedRoot,
          };
        } catch (error) {
          return [mask(error)];
        }
      },
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  return {
    wss,
    /**
     * Closes every socket (1001 "going away"; stragglers are terminated) and the ws server.
     * Operations still running get up to `graceMs` first: streams that were just ended (the
     * hub's final events at shutdown) are still on their way through graphql-ws to the socket.
     */
    async close(graceMs = 1_000): Promise<void> {
      options.server.off('upgrade', onUpgrade);
      const running = () =>
        [...connections].some((ctx) => Object.keys(ctx.subscriptions).length > 0);
      await graceWhile(running, graceMs);
      const closing = handle.dispose();
      const timer = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, graceMs);
      try {
        await closing;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Sockets that came without a token, until one comes with an operation. One that none has come
 * on in `waitMs` is closed as soon as it runs nothing: it cannot do anything but hold a slot of
 * MAX_CONNECTIONS and some memory, kept open by the keep-alive pings. 4401 tells graphql-ws's
 * client not to retry; a lazy one (GraphiQL's) connects anew for its next operation.
 */
class SignInWait {
  private readonly waiting = new Map<object, NodeJS.Timeout>();

  constructor(private readonly waitMs: number) {}

  wait(ctx: { subscriptions: Record<string, unknown> }, socket: WebSocket): void {
    const check = () => {
      if (!this.waiting.has(ctx)) return;
      if (Object.keys(ctx.subscriptions).length > 0) {
        // Its operations are unauthenticated and end at once; look again shortly.
        this.waiting.set(ctx, setTimeout(check, Math.min(this.waitMs, 1_000)).unref());
        return;
      }
      this.waiting.delete(ctx);
      socket.close(4401, 'Unauthorized');
    };
    this.waiting.set(ctx, setTimeout(check, this.waitMs).unref());
  }

  /** Passes an operation's context through, ending the wait when it has a user. */
  seen<T>(ctx: object, context: T): T {
    if ((context as { user?: unknown }).user) this.forget(ctx);
    return context;
  }

  forget(ctx: object): void {
    clearTimeout(this.waiting.get(ctx));
    this.waiting.delete(ctx);
  }
}

/**
 * The error yoga's executor gives over HTTP when the operation to run cannot be told (several
 * and no name, or a name none has); graphql-ws would send its own, with no code.
 */
function unidentifiedOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): GraphQLError | null {
  if (getOperationAST(document, operationName)) return null;
  const message =
    operationName != null
      ? `Unknown operation named "${operationName}".`
      : document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION)
        ? 'Must provide operation name if query contains multiple operations.'
        : 'Must provide an operation.';
  return createGraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
}

/** A syntax error, with the code yoga gives it over HTTP (a copy: parse results are cached). */
function parseFailed(error: GraphQLError): GraphQLError {
  return asYogaError(error, { code: error.extensions?.code ?? 'GRAPHQL_PARSE_FAILED' });
}

/**
 * Yoga's `extensions.http` sets the status of an HTTP response, which strips it from the body;
 * over WebSocket it would reach the client, so it goes here too.
 */
const hasHttp = (error: GraphQLError) => error.extensions?.http !== undefined;

function withoutHttp(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((error) => {
    const formatted = error.toJSON();
    if (!hasHttp(error)) return formatted;
    const { http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  });
}

/**
 * A copy made with yoga's GraphQLError class. graphql-ws sends returned errors only if they are
 * `instanceof` its class, and a plugin may throw another copy of graphql's (the limit plugins do),
 * which would be taken for execution arguments and close the socket instead.
 */
function asYogaError(error: GraphQLError, extensions: Record<string, unknown> = {}): GraphQLError {
  return createGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, ...extensions },
  });
}
