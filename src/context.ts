/**
 * The GraphQL context and how a caller is identified: `Authorization: Bearer <token>` over
 * HTTP, `connectionParams.authorization` over WebSocket. GraphiQL sends its header editor's
 * headers over WebSocket as `extensions.headers` of each operation, which is accepted too.
 */
import type { Config } from './config.js';
import { UnauthenticatedError } from './services/errors.js';
import type { ChatService, ConversationStore } from './services/types.js';
import type { UserService } from './services/users.js';

export interface Services {
  store: ConversationStore;
  users: UserService;
  chat: ChatService;
}

export interface ServerInfo {
  /** Answers come from the built-in emulator, not a real model. */
  offlineMode: boolean;
  model: string;
  contextMode: Config['contextMode'];
}

export interface Context {
  /** The authenticated username, or null. */
  user: string | null;
  /** The token the caller presented, to re-check it during long subscriptions. */
  token: string | null;
  services: Services;
  config: Config;
  server: ServerInfo;
  /** How often an open subscription re-checks its token. */
  authRecheckMs: number;
  /** Aborts when an HTTP caller goes away (an SSE subscription's client, say). */
  signal?: AbortSignal;
}

/** What yoga (HTTP) or the graphql-ws bridge hands to the context factory. */
export interface InitialContext {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
  params?: { extensions?: Record<string, unknown> | null };
}

export async function buildContext(
  initial: InitialContext,
  base: Omit<Context, 'user' | 'token'>,
): Promise<Context> {
  const token = tokenOf(initial);
  const user = await base.services.users.authenticate(token);
  const signal = initial.request?.signal;
  return signal ? { ...base, user, token, signal } : { ...base, user, token };
}

/** The caller's username; UNAUTHENTICATED when there is none. */
export function requireUser(context: Context): string {
  if (!context.user) throw new UnauthenticatedError();
  return context.user;
}

function tokenOf(initial: InitialContext): string | null {
  if (initial.request) return bearerToken(initial.request.headers.get('authorization'));
  const fromConnection = bearerToken(authorizationIn(initial.connectionParams));
  if (fromConnection) return fromConnection;
  return bearerToken(authorizationIn(initial.params?.extensions?.headers));
}

/**
 * The `authorization` entry of connection params or per-operation headers, its name in any
 * case as in an HTTP header; undefined when there is none, or it is null.
 */
export function authorizationIn(headers: unknown): unknown {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && value !== null) return value;
  }
  return undefined;
}

/** The token of a `Bearer <token>` value (the scheme is case-insensitive), or null. */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1] ?? null;
}
