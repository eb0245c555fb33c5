/**
 * The composition root: services, the yoga server, graphql-ws and the web app on one Node
 * HTTP server. Used by `threadline serve` and by the tests, which each get a fresh app.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config.js';
import { buildContext, type Context, type InitialContext } from './context.js';
import { useBodyLimit } from './http/body-limit.js';
import { readChunkedBody } from './http/chunked-body.js';
import { codedRefusals } from './http/coded-refusals.js';
import { useCompiledSubscriptions } from './http/compiled-subscriptions.js';
import { defaultMaxConnections, limitConnections } from './http/connection-limit.js';
import { graphiqlOptions, renderGraphiQL } from './http/graphiql.js';
import { attachGraphQLWs } from './http/graphql-ws.js';
import { trackInFlight } from './http/in-flight.js';
import { pageSizeLiterals } from './http/page-size-literal.js';
import { SECURITY_HEADERS, useSecurityHeaders } from './http/security-headers.js';
import { createStaticHandler } from './http/static-files.js';
import { createLogger, type Logger } from './logger.js';
import { createMaskError } from './schema/errors.js';
import { schema } from './schema/index.js';
import { createChatService } from './services/chat-service.js';
import { JsonConversationStore } from './services/conversation-store.js';
import { StreamHub } from './services/stream-hub.js';
import type { ChatService, ConversationStore } from './services/types.js';
import { createUpstreamClient } from './services/upstream/index.js';
import { createUserService, type UserService } from './services/users.js';

export interface AppOptions {
  logger?: Logger;
  /** The Responses API to use instead of `config.openaiBaseUrl` (the in-process emulator). */
  responsesBaseURL?: string;
  responsesApiKey?: string;
  /** Answers come from the built-in emulator; shown to clients in `serverInfo`. */
  offline?: boolean;
  /** The built web app. @default `<repo>/web/dist` */
  webDistDir?: string;
  /** How often an open subscription re-checks its token. @default 5_000 */
  authRecheckMs?: number;
  /** graphql-ws keep-alive ping interval. @default 12_000 */
  wsKeepAliveMs?: number;
  /** How long a WebSocket may take to send `connection_init`. @default 3_000 */
  wsInitTimeoutMs?: number;
  /** How long a WebSocket that came without a token may go without one. @default 30_000 */
  wsSignInWaitMs?: number;
  /** How long a new connection may take to send its first request. @default 10_000 */
  firstRequestMs?: number;
}

export interface App {
  server: http.Server;
  yoga: YogaServerInstance<Record<string, never>, Context>;
  /** The base URL once started (e.g. `http://127.0.0.1:4000`), '' before. */
  readonly url: string;
  start(): Promise<string>;
  stop(): Promise<void>;
  services: { store: ConversationStore; users: UserService; chat: ChatService; hub: StreamHub };
}

/** Query limits beyond depth; generous for the web app and GraphiQL's introspection. */
const MAX_ALIASES = 15;
const MAX_COST = 5_000;
const MAX_TOKENS = 2_000;

const DEFAULT_WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel, [config.openaiApiKey]);
  const store = new JsonConversationStore({ dataDir: config.dataDir, logger });
  const authRecheckMs = options.authRecheckMs ?? 5_000;
  // A removed token is refused within a second, and an open subscription ends within its
  // recheck interval plus that.
  const users = createUserService({
    dataDir: config.dataDir,
    statIntervalMs: Math.min(1_000, authRecheckMs),
  });
  const hub = new StreamHub({ replayTtlMs: config.replayTtlMs });
  const responses = createUpstreamClient(config, logger, {
    baseURL: options.responsesBaseURL,
    apiKey: options.responsesApiKey,
  });
  const chat = createChatService({ config, store, responses, hub, logger });
  const services = { store, users, chat };

  await store.open();
  try {
    await chat.recover();
  } catch (error) {
    await store.close();
    throw error;
  }

  const base = {
    services,
    config,
    server: {
      offlineMode: options.offline ?? false,
      model: config.model,
      contextMode: config.contextMode,
    },
    authRecheckMs,
  };
  const maskError = createMaskError(logger);
  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    context: (initial) => buildContext(initial as InitialContext, base),
    maskedErrors: { maskError },
    graphiql: graphiqlOptions,
    renderGraphiQL,
    landingPage: false,
    batching: false,
    // `useBodyLimit` bounds a body by its declared length, which Node's parser enforces, and
    // `readChunkedBody` one sent in chunks; yoga's own limit would pipe every body through a
    // counting stream as well.
    maxRequestBodySize: false,
    multipart: false,
    // The web app is served from this origin; other origins get no CORS grant.
    cors: false,
    logging: yogaLogger(logger),
    plugins: [
      useBodyLimit(config.maxBodyBytes),
      maxDepthPlugin({ n: config.maxQueryDepth }),
      maxAliasesPlugin({ n: MAX_ALIASES }),
      pageSizeLiterals(),
      costLimitPlugin({ maxCost: MAX_COST }),
      maxTokensPlugin({ n: MAX_TOKENS }),
      useSecurityHeaders(),
      codedRefusals(),
      useCompiledSubscriptions(),
    ],
  });

  const serveGraphQL = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.headers['transfer-encoding'] !== undefined) {
      const body = await readChunkedBody(req, res, config.maxBodyBytes);
      if (body === null) return;
      // Yoga takes a body already read from here (as behind a body parser). As a stream: it
      // looks at a body's own keys first, one per byte of a Buffer, which would take the
      // event loop for a fifth of a second per megabyte.
      (req as { body?: Readable }).body = Readable.from([body]);
    }
    await yoga(req, res);
  };
  const serveStatic = createStaticHandler(options.webDistDir ?? DEFAULT_WEB_DIST);
  const server = http.createServer((req, res) => {
    const pathname = pathOf(req.url);
    if (pathname === null) {
      res
        .writeHead(400, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' })
        .end('Bad request target');
    } else if (pathname === '/graphql') {
      void serveGraphQL(req, res);
    } else if (pathname === '/healthz') {
      res
        .writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' })
        .end('{"ok":true}');
    } else {
      serveStatic(req, res).catch((error: unknown) => {
        logger.error('static file failed', { error, path: pathname });
        if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS }).end();
        else res.destroy();
      });
    }
  });
  limitConnections(server, {
    max: config.maxConnections || defaultMaxConnections(),
    logger,
    firstRequestMs: options.firstRequestMs,
  });
  const inFlight = trackInFlight(server);
  const ws = attachGraphQLWs({
    server,
    yoga,
    users,
    maskError,
    logger,
    maxPayloadBytes: config.maxBodyBytes,
    keepAliveMs: options.wsKeepAliveMs,
    connectionInitWaitTimeoutMs: options.wsInitTimeoutMs,
    signInWaitMs: options.wsSignInWaitMs,
  });

  let url = '';
  let stopping: Promise<void> | null = null;
  return {
    server,
    yoga,
    services: { ...services, hub },
    get url() {
      return url;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          // A later error of the listening socket (an accept that failed) is logged, not
          // thrown: an 'error' event with no listener would end the process.
          server.on('error', (error) => logger.error('HTTP server error', { error }));
          resolve();
        });
      });
      url = baseUrl(config.host, (server.address() as AddressInfo).port);
      logger.info('listening', { url });
      return url;
    },
    stop() {
      stopping ??= (async () => {
        // Open turns end first (their subscribers get a final event), then the sockets go.
        await chat.shutdown();
        await responses.close();
        hub.close();
        await ws.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // The streams just ended write their last events first (up to a second).
          void inFlight.drained(1_000).then(() => server.closeAllConnections());
        });
        await yoga.dispose();
        await store.close();
      })();
      return stopping;
    },
  };
}

/** The path of a request target; null for one no URL can be made of (Node accepts `//[`). */
function pathOf(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

function yogaLogger(logger: Logger) {
  const forward =
    (level: keyof Logger) =>
    (...args: unknown[]) =>
      logger[level](String(args[0]), args.length > 1 ? { details: args.slice(1) } : undefined);
  const debug = forward('debug');
  const error = forward('error');
  return {
    debug,
    info: forward('info'),
    warn: forward('warn'),
    // Yoga logs every error its masking replaced, a client's NOT_FOUND included; the mask
    // (schema/errors.ts) logs the unexpected ones itself, so yoga's copy is only detail.
    error: (...args: unknown[]) => {
      const [first] = args;
      if (!(first instanceof Error)) return error(...args);
      // Its message and code only: a GraphQLError's text quotes the query, a user's message in
      // it, over several lines.
      const code = (first as { extensions?: { code?: unknown } }).extensions?.code;
      logger.debug(`${first.name}: ${first.message.split('\n')[0]}`, { code });
    },
  };
}

function baseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
