/**
 * The chat engine wired for tests: emulator (real HTTP) + JSON store on a temp directory +
 * Responses client (real SDK) + stream hub + chat service. `close()` tears down all of it.
 */

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { type Config, defaultConfig } from '../../src/config.js';
import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/types.js';
import { silentLogger } from '../../src/logger.js';
import { createChatService } from '../../src/services/chat-service.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import type { ResponsesClient } from '../../src/services/responses-client.js';
import { StreamHub } from '../../src/services/stream-hub.js';
import type { ChatService, StoredMessage } from '../../src/services/types.js';
import { createUpstreamClient } from '../../src/services/upstream/index.js';

export interface ChatFixture {
  config: Config;
  dataDir: string;
  emulator: Emulator;
  store: JsonConversationStore;
  responses: ResponsesClient;
  hub: StreamHub;
  service: ChatService;
  /** Waits for the message's final stream event, then returns the stored message. */
  settled(username: string, conversationId: string, messageId: string): Promise<StoredMessage>;
  close(): Promise<void>;
}

export interface ChatFixtureOptions {
  /** Test defaults: no SDK retries, a short timeout, fast checkpoints. */
  config?: Partial<Config>;
  emulator?: EmulatorOptions;
  /** Pauses before the later tries at a failed final write (see `LATE_SETTLE_MS`). */
  lateSettleMs?: readonly number[];
  recoverRetryMs?: number;
}

/** The configuration tests run with: no SDK retries, a short timeout, fast checkpoints. */
export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return defaultConfig({
    dataDir,
    maxRetries: 0,
    timeoutMs: 5_000,
    checkpointMs: 50,
    replayTtlMs: 60_000,
    logLevel: 'silent',
    ...overrides,
  });
}

export async function createChatFixture(options: ChatFixtureOptions = {}): Promise<ChatFixture> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-chat-'));
  const emulator = await startEmulator({ port: 0, replyWords: 20, ...options.emulator });
  const config = testConfig(dataDir, options.config);
  const store = new JsonConversationStore({ dataDir, logger: silentLogger });
  await store.open();
  const responses = createUpstreamClient(config, silentLogger, {
    baseURL: emulator.baseURL,
    apiKey: 'test-key',
  });
  const hub = new StreamHub({ replayTtlMs: config.replayTtlMs });
  const service = createChatService({
    config,
    store,
    responses,
    hub,
    logger: silentLogger,
    lateSettleMs: options.lateSettleMs,
    recoverRetryMs: options.recoverRetryMs,
  });

  return {
    config,
    dataDir,
    emulator,
    store,
    responses,
    hub,
    service,
    async settled(username, conversationId, messageId) {
      // The final event is published after the outcome is stored and the conversation is free.
      const events = await service.subscribe(username, conversationId, {
        messageId,
        after: 0,
        signal: AbortSignal.timeout(10_000),
      });
      for await (const event of events) {
        if (event.messageId !== messageId) continue;
        if (event.type !== 'TEXT_DONE' && event.type !== 'STREAM_ERROR') continue;
        const conversation = await store.getConversation(username, conversationId);
        const message = conversation?.messages.find((m) => m.id === messageId);
        if (!message) throw new Error(`Message ${messageId} is not stored`);
        return message;
      }
      throw new Error(`Message ${messageId} did not settle within 10 s`);
    },
    async close() {
      await service.shutdown();
      await responses.close();
      hub.close();
      await store.close();
      await emulator.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 10_000, intervalMs = 10 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A fixture per test, closed after it: `const setup = perTestChatFixture();` at file level. */
export function perTestChatFixture(): (options?: ChatFixtureOptions) => Promise<ChatFixture> {
  let fixture: ChatFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });
  return async (options = {}) => {
    fixture = await createChatFixture(options);
    return fixture;
  };
}

/** Sends one message and waits until its answer is settled. */
export async function sendAndSettle(
  f: ChatFixture,
  username: string,
  text: string,
  conversationId?: string,
) {
  const sent = await f.service.send(username, { text, conversationId });
  const answer = await f.settled(username, sent.conversation.data.id, sent.assistantMessage.id);
  return { ...sent, answer };
}

/** Stops the answer streaming in the conversation once it has some text; the stopped answer. */
export async function stopAfterSomeText(f: ChatFixture, username: string, conversationId: string) {
  await waitFor(async () => {
    const stored = await f.store.getConversation(username, conversationId);
    return stored?.messages.at(-1)?.text ? true : undefined;
  });
  const stopped = await f.service.stop(username, conversationId);
  expect(stopped?.status).toBe('INCOMPLETE');
  expect(stopped?.text).not.toBe('');
  return stopped as StoredMessage;
}

/** A user message as the Responses API input takes it. */
export const userItem = (text: string) => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

/** An earlier answer as the Responses API input takes it. */
export const assistantItem = (text: string) => ({
  type: 'message',
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});
