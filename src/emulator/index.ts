import { silentLogger } from '../logger.js';
import { parseFault } from './faults.js';
import { boundPort, listen } from './server.js';
import { DEFAULT_REPLY_WORDS, EmulatorState } from './state.js';
import type { Emulator, EmulatorOptions } from './types.js';

export type {
  Emulator,
  EmulatorOptions,
  Fault,
  LegacyThreadMessage,
  Pacing,
  RecordedRequest,
} from './types.js';

/**
 * Starts a local server speaking the OpenAI Responses API as the `openai` SDK expects it:
 * `POST /v1/responses` (JSON or SSE), `GET /v1/responses/{id}`, `POST /v1/responses/{id}/cancel`,
 * the legacy `GET /v1/threads/{id}/messages`, and the `/__emulator/*` control endpoints.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const state = new EmulatorState(
    {
      tokensPerSecond: options.tokensPerSecond ?? 0,
      replyWords: options.replyWords ?? DEFAULT_REPLY_WORDS,
      stampDeltas: options.stampDeltas ?? false,
      hold: false,
    },
    options.logger ?? silentLogger,
  );
  // Validate the start pacing the same way as later changes.
  state.setPacing(state.pacing);
  const server = await listen(state, options.port ?? 0, host, options.apiKey);
  const port = boundPort(server);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    baseURL: `http://${urlHost}:${port}/v1`,
    port,
    queueFault: (fault) => state.faults.push(parseFault(fault)),
    requests: () => state.requestLog.map((record) => ({ ...record })),
    expire: (responseId) => (responseId ? state.store.delete(responseId) : state.store.clear()),
    setPacing: (pacing) => state.setPacing(pacing),
    seedThread: (threadId, messages) => state.threads.seed(threadId, messages),
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const { controller } of state.active.values()) controller.abort('closed');
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
