/**
 * The whole server wired for tests: the emulator (real HTTP, real SDK) + `createApp` on a temp
 * directory + two users with tokens. `exec` runs an operation in process through `yoga.fetch`;
 * `start()` listens on port 0 for tests that need real sockets. `close()` tears down all of it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GraphQLFormattedError } from 'graphql';
import { type App, type AppOptions, createApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/types.js';
import { silentLogger } from '../../src/logger.js';
import type { StoredMessage } from '../../src/services/types.js';
import { testConfig, waitFor } from './chat.js';

/** Results are read by shape in tests; the schema, not TypeScript, is what they check. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Loose = Record<string, any>;

export interface ExecResult<T = Loose> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

export interface AppFixture {
  app: App;
  emulator: Emulator;
  config: Config;
  dataDir: string;
  /** Tokens of users `alice` and `bob`. */
  tokens: { alice: string; bob: string };
  /** POSTs an operation to `/graphql` in process; `token: null` sends no Authorization. */
  exec<T = Loose>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<ExecResult<T>>;
  /** Listens on port 0 and returns the base URL (once). */
  start(): Promise<string>;
  /** Polls the store until the message has left STREAMING. */
  settled(username: string, conversationId: string, messageId: string): Promise<StoredMessage>;
  close(): Promise<void>;
}

export interface AppFixtureOptions {
  config?: Partial<Config>;
  emulator?: EmulatorOptions;
  app?: AppOptions;
}

export async function createAppFixture(options: AppFixtureOptions = {}): Promise<AppFixture> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-api-'));
  const emulator = await startEmulator({ port: 0, replyWords: 12, ...options.emulator });
  const config = testConfig(dataDir, { port: 0, ...options.config });
  const app = await createApp(config, {
    logger: silentLogger,
    responsesBaseURL: emulator.baseURL,
    responsesApiKey: 'test-key',
    offline: true,
    webDistDir: path.join(dataDir, 'no-web-dist'),
    ...options.app,
  });
  const tokens = {
    alice: await app.services.users.add('alice'),
    bob: await app.services.users.add('bob'),
  };
  let started: Promise<string> | null = null;

  return {
    app,
    emulator,
    config,
    dataDir,
    tokens,
    async exec(query, variables, token = tokens.alice) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...(await response.json()) };
    },
    start() {
      started ??= app.start();
      return started;
    },
    settled(username, conversationId, messageId) {
      return waitFor(async () => {
        const conversation = await app.services.store.getConversation(username, conversationId);
        const message = conversation?.messages.find((m) => m.id === messageId);
        return message && message.status !== 'STREAMING' ? message : undefined;
      });
    },
    async close() {
      await app.stop();
      await emulator.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `extensions.code` of each error, for compact assertions. */
export const codes = (result: ExecResult) =>
  (result.errors ?? []).map((error) => error.extensions?.code);

/**
 * Runs a subscription over SSE (`Accept: text/event-stream`) and yields each `next` payload
 * until the server completes or `signal` aborts.
 */
export async function* sse(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
  signal?: AbortSignal,
): AsyncGenerator<ExecResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE request failed: ${response.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (event === 'complete') return;
        if (event === 'next' && data) yield { status: response.status, ...JSON.parse(data) };
      }
    }
  } finally {
    // Leaving early (break, return) closes the stream, so the server ends the subscription.
    await reader.cancel().catch(() => {});
  }
}
