/** The baseline: the same stream consumed straight from the upstream with the openai SDK. */
import OpenAI from 'openai';
import { epochMs } from './graphql.js';

export const PROMPT = 'Stream a long answer, please.';
/** The server's default model, so both paths ask the emulator for the same response shape. */
export const MODEL = 'o1-mini';

export interface DirectRun {
  startedAt: number;
  firstDeltaAt: number;
  endedAt: number;
  chars: number;
  deltas: number;
}

/** `fetch`: the SDK's own (the global fetch) unless given, e.g. Threadline's upstream fetch. */
export function directClient(baseURL: string, fetch?: typeof globalThis.fetch): OpenAI {
  return new OpenAI({ apiKey: 'bench-key', baseURL, maxRetries: 0, logLevel: 'off', fetch });
}

export async function directStream(client: OpenAI): Promise<DirectRun> {
  const startedAt = epochMs();
  let firstDeltaAt = Number.NaN;
  let chars = 0;
  let deltas = 0;
  const stream = await client.responses.create({ model: MODEL, input: PROMPT, stream: true });
  for await (const event of stream) {
    if (event.type !== 'response.output_text.delta') continue;
    if (deltas === 0) firstDeltaAt = epochMs();
    deltas++;
    chars += event.delta.length;
  }
  return { startedAt, firstDeltaAt, endedAt: epochMs(), chars, deltas };
}
