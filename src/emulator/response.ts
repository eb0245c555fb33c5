import type {
  Response,
  ResponseOutputMessage,
  ResponseReasoningItem,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import type { CreateRequest } from './request.js';

/** A response object as the API sends it: the SDK adds `output_text` itself; `store` is echoed. */
export type WireResponse = Omit<Response, 'output_text'> & { store: boolean };

/** Models that think before answering; the API emits a `reasoning` item before their message. */
export const isReasoningModel = (model: string): boolean =>
  /^(o1|o3|o4|gpt-5(?!.*chat))/.test(model);

/** The response as first announced by `response.created`: in progress, no output, no usage. */
export function newResponse(id: string, request: CreateRequest, createdAt: number): WireResponse {
  const reasoning = isReasoningModel(request.model);
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: request.instructions,
    max_output_tokens: request.maxOutputTokens,
    model: request.model,
    output: [],
    parallel_tool_calls: true,
    previous_response_id: request.previousResponseId,
    reasoning: { effort: reasoning ? 'medium' : null, summary: null },
    service_tier: 'default',
    store: request.store,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    metadata: request.metadata,
  };
}

export const reasoningItem = (id: string): ResponseReasoningItem => ({
  id,
  type: 'reasoning',
  summary: [],
});

export function messageItem(
  id: string,
  status: ResponseOutputMessage['status'],
  text?: string,
): ResponseOutputMessage {
  return {
    id,
    type: 'message',
    status,
    content:
      text === undefined ? [] : [{ type: 'output_text', annotations: [], logprobs: [], text }],
    role: 'assistant',
  };
}

export interface TokenCounts {
  input: number;
  /** Input tokens that came from the stored chain, reported as cached like the API's prompt cache. */
  cached: number;
  output: number;
  reasoning: number;
}

export function usage(tokens: TokenCounts): ResponseUsage {
  const output = tokens.output + tokens.reasoning;
  return {
    input_tokens: tokens.input,
    input_tokens_details: { cached_tokens: tokens.cached, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: tokens.reasoning },
    total_tokens: tokens.input + output,
  };
}

/** The text of a response's message items, what the SDK's `output_text` would be. */
export function outputText(response: WireResponse): string {
  let text = '';
  for (const item of response.output) {
    if (item.type !== 'message') continue;
    for (const part of item.content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}
