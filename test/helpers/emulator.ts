/**
 * A Responses API emulator on a free port and a real `openai` client pointed at it.
 *
 * ```ts
 * let upstream: TestEmulator;
 * beforeEach(async () => {
 *   upstream = await startTestEmulator({ replyWords: 20 });
 * });
 * afterEach(() => upstream.close());
 *
 * it('answers', async () => {
 *   const response = await upstream.client.responses.create({ model: 'gpt-4o', input: 'Hi' });
 *   expect(upstream.emulator.requests()).toHaveLength(1);
 * });
 * ```
 *
 * A reply is exactly `replyWords` words and streams as exactly that many text deltas.
 */
import OpenAI from 'openai';
import { startEmulator } from '../../src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/types.js';

export interface TestEmulatorOptions extends EmulatorOptions {
  /** SDK retries. @default 0 (a test that wants retries says so) */
  maxRetries?: number;
  /** SDK request timeout in ms. @default 10_000 */
  timeout?: number;
}

export interface TestEmulator {
  emulator: Emulator;
  client: OpenAI;
  /** `http://127.0.0.1:<port>/v1` */
  baseURL: string;
  /** `http://127.0.0.1:<port>`, for the `/__emulator/*` control endpoints and `/healthz`. */
  origin: string;
  /** Closes the emulator and every socket the client still holds to it. */
  close(): Promise<void>;
}

export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { maxRetries = 0, timeout = 10_000, ...emulatorOptions } = options;
  const emulator = await startEmulator(emulatorOptions);
  // logLevel 'off': the SDK would print malformed-frame warnings that some tests cause on purpose.
  const client = new OpenAI({
    apiKey: emulatorOptions.apiKey ?? 'test',
    baseURL: emulator.baseURL,
    maxRetries,
    timeout,
    logLevel: 'off',
  });
  return {
    emulator,
    client,
    baseURL: emulator.baseURL,
    origin: emulator.baseURL.replace(/\/v1$/, ''),
    close: () => emulator.close(),
  };
}
