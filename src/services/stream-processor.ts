/**
 * The seed's StreamEventProcessor: Responses API stream events -> the chat events of one turn
 * (the seed's text_created / text_delta / text_done, plus an error). Reasoning items and event
 * types it does not know are ignored, since the API keeps adding new ones. Every stream ends in
 * exactly one TEXT_DONE or STREAM_ERROR, whether the upstream completes, fails, cuts the answer
 * short, sends an error, or the stream ends or throws early.
 */
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import {
  failureFromError,
  type TurnFailure,
  turnFailure,
  upstreamCodeFailure,
} from './chat/error-mapping.js';
import type { Usage } from './types.js';

export type ProcessedEvent =
  | { type: 'TEXT_CREATED'; responseId: string | null }
  | { type: 'TEXT_DELTA'; delta: string }
  | { type: 'TEXT_DONE'; text: string; responseId: string; usage: Usage | null; model: string }
  | {
      type: 'STREAM_ERROR';
      failure: TurnFailure;
      /** Set when the upstream created a response (failed and incomplete ones have usage). */
      responseId: string | null;
      usage: Usage | null;
    };

type StreamErrorOutcome = Extract<ProcessedEvent, { type: 'STREAM_ERROR' }>;

export class StreamEventProcessor {
  /**
   * The deltas so far, joined only when the text is read. Appending to one string would build a
   * rope of one node per delta that lives as long as the turn.
   */
  #pieces: string[] = [];
  #responseId: string | null = null;
  #created = false;

  /** The text received so far. */
  get text(): string {
    if (this.#pieces.length > 1) this.#pieces = [this.#pieces.join('')];
    return this.#pieces[0] ?? '';
  }

  /**
   * Reads `events` to the end, passing what they mean to `emit` in order; the last item emitted
   * is always the one TEXT_DONE or STREAM_ERROR. Never throws: a stream that throws or stops
   * early ends in a STREAM_ERROR.
   */
  async run(
    events: AsyncIterable<ResponseStreamEvent>,
    emit: (item: ProcessedEvent) => void,
  ): Promise<void> {
    try {
      for await (const event of events) {
        if (this.#handle(event, emit)) return;
      }
    } catch (error) {
      emit(this.#error(failureFromError(error, 'stream')));
      return;
    }
    emit(
      this.#error(turnFailure('STREAM_INTERRUPTED', 'The stream ended without response.completed')),
    );
  }

  /** Feeds one upstream event; returns true once the final event was emitted. */
  #handle(event: ResponseStreamEvent, emit: (item: ProcessedEvent) => void): boolean {
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
        this.#responseId ??= event.response.id;
        this.#ensureCreated(emit);
        return false;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (event.delta === '') return false;
        this.#pieces.push(event.delta);
        this.#ensureCreated(emit);
        emit({ type: 'TEXT_DELTA', delta: event.delta });
        return false;
      case 'response.completed':
        this.#ensureCreated(emit);
        emit(this.#completed(event.response));
        return true;
      case 'response.incomplete': {
        const reason = event.response.incomplete_details?.reason ?? 'unknown';
        emit(
          this.#error(
            turnFailure('RESPONSE_INCOMPLETE', `Response incomplete: ${reason}`),
            event.response,
          ),
        );
        return true;
      }
      case 'response.failed': {
        const error = event.response.error;
        const detail = `Response failed: ${error?.code ?? 'unknown'}: ${error?.message ?? ''}`;
        emit(
          this.#error(upstreamCodeFailure('RESPONSE_FAILED', error?.code, detail), event.response),
        );
        return true;
      }
      case 'error':
        emit(
          this.#error(
            upstreamCodeFailure(
              'UPSTREAM_ERROR',
              event.code,
              `Error event: ${event.code}: ${event.message}`,
            ),
          ),
        );
        return true;
      default:
        return false;
    }
  }

  #ensureCreated(emit: (item: ProcessedEvent) => void): void {
    if (this.#created) return;
    this.#created = true;
    emit({ type: 'TEXT_CREATED', responseId: this.#responseId });
  }

  #completed(response: Response): ProcessedEvent {
    this.#responseId = response.id;
    // A provider that does not stream deltas still puts the answer in the final response.
    if (this.#pieces.length === 0) this.#pieces.push(outputText(response));
    return {
      type: 'TEXT_DONE',
      text: this.text,
      responseId: response.id,
      usage: toUsage(response),
      model: response.model,
    };
  }

  #error(failure: TurnFailure, response?: Response): StreamErrorOutcome {
    if (response) this.#responseId = response.id;
    return {
      type: 'STREAM_ERROR',
      failure,
      responseId: this.#responseId,
      usage: response ? toUsage(response) : null,
    };
  }
}

function outputText(response: Response): string {
  let text = '';
  for (const item of response.output ?? []) {
    if (item.type !== 'message') continue;
    for (const part of item.content) {
      text += part.type === 'output_text' ? part.text : part.refusal;
    }
  }
  return text;
}

/**
 * The response's token counts, or null when the upstream gave none it can be trusted for.
 * OpenAI-compatible servers differ: some leave out `total_tokens` or the details, some use the
 * Chat Completions names; a count that is not a whole number is no count.
 */
export function toUsage(response: Response): Usage | null {
  const usage = response.usage as unknown as Record<string, unknown> | null | undefined;
  if (!usage || typeof usage !== 'object') return null;
  const input = count(usage.input_tokens ?? usage.prompt_tokens);
  const output = count(usage.output_tokens ?? usage.completion_tokens);
  if (input === null || output === null) return null;
  const total = count(usage.total_tokens) ?? count(input + output);
  if (total === null) return null;
  const details = usage.output_tokens_details as Record<string, unknown> | null | undefined;
  return {
    input_tokens: input,
    output_tokens: output,
    reasoning_tokens: count(details?.reasoning_tokens) ?? 0,
    total_tokens: total,
  };
}

/** A token count GraphQL's Int can carry, or null. */
function count(value: unknown): number | null {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 2 ** 31 - 1
    ? (value as number)
    : null;
}
