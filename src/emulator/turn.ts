import type { ResponseError } from 'openai/resources/responses/responses';
import { newId } from './ids.js';
import { countWords, replyChunks } from './reply.js';
import type { CreateRequest, TextMessage } from './request.js';
import {
  isReasoningModel,
  messageItem,
  newResponse,
  reasoningItem,
  usage,
  type WireResponse,
} from './response.js';

/** Reasoning models report this many hidden reasoning tokens per response. */
const REASONING_TOKENS = 64;

/** Everything one response will say, decided before the first byte is sent. */
export interface Turn {
  /** The live response object; `settle` fills in its outcome (the store holds the same object). */
  response: WireResponse;
  reasoningId: string | null;
  messageId: string;
  /** The text deltas to send, already cut at `max_output_tokens`. */
  chunks: string[];
  /** True when `max_output_tokens` cut the reply short (the response ends incomplete). */
  cut: boolean;
  inputTokens: number;
  cachedTokens: number;
}

export type Outcome =
  | { status: 'completed' | 'incomplete' | 'cancelled'; sent: number }
  | { status: 'failed'; sent: number; error: ResponseError };

/** Plans the reply to `request`, given the history its `previous_response_id` chain holds. */
export function planTurn(request: CreateRequest, history: TextMessage[], replyWords: number): Turn {
  const id = newId('resp');
  const conversation = history.length === 0 ? request.messages : [...history, ...request.messages];
  const all = replyChunks(
    { model: request.model, instructions: request.instructions, conversation },
    replyWords,
  );
  const limit = request.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const cachedTokens = sumWords(history);
  return {
    response: newResponse(id, request, Math.floor(Date.now() / 1000)),
    reasoningId: isReasoningModel(request.model) ? newId('rs') : null,
    messageId: newId('msg'),
    chunks: all.length > limit ? all.slice(0, limit) : all,
    cut: all.length > limit,
    inputTokens: cachedTokens + sumWords(request.messages) + countWords(request.instructions ?? ''),
    cachedTokens,
  };
}

/** Records how the response ended: status, output so far, usage or error. Returns the response. */
export function settle(turn: Turn, outcome: Outcome): WireResponse {
  const { response } = turn;
  const text = joinChunks(turn.chunks, outcome.sent);
  response.status = outcome.status;
  response.output = [
    ...(turn.reasoningId ? [reasoningItem(turn.reasoningId)] : []),
    messageItem(turn.messageId, outcome.status === 'completed' ? 'completed' : 'incomplete', text),
  ];
  if (outcome.status === 'failed') {
    response.error = outcome.error;
    return response;
  }
  if (outcome.status === 'incomplete')
    response.incomplete_details = { reason: 'max_output_tokens' };
  if (outcome.status === 'completed') response.completed_at = Math.floor(Date.now() / 1000);
  response.usage = usage({
    input: turn.inputTokens,
    cached: turn.cachedTokens,
    output: outcome.sent,
    reasoning: turn.reasoningId ? REASONING_TOKENS : 0,
  });
  return response;
}

export function joinChunks(chunks: string[], count: number): string {
  return count >= chunks.length ? chunks.join('') : chunks.slice(0, count).join('');
}

function sumWords(messages: TextMessage[]): number {
  let total = 0;
  for (const message of messages) total += countWords(message.text);
  return total;
}
