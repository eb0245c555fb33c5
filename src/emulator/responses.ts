import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidRequest, notFound } from './errors.js';
import { readJson, sendJson } from './http.js';
import { parseCreateRequest } from './request.js';
import { SseWriter } from './sse.js';
import type { EmulatorState } from './state.js';
import { CANCELLED, streamTurn } from './stream.js';
import { planTurn, settle } from './turn.js';
import type { RecordedRequest, RequestFault } from './types.js';

/** `POST /v1/responses`: validate, apply a queued fault, then answer as JSON or as a stream. */
export async function createResponse(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const record = recordRequest(state);
  try {
    const body = await readJson(req);
    Object.assign(record, sentFields(body));
    const request = parseCreateRequest(body);
    const fault = state.faults.takeRequestFault(request.model);
    if (fault) throw faultError(fault, request.model);
    const history = request.previousResponseId
      ? state.store.conversation(request.previousResponseId)
      : [];
    const turn = planTurn(request, history, state.pacing.replyWords);
    const { response } = turn;
    record.id = response.id;
    if (request.store) state.store.save(response, request.messages);

    if (!request.stream) {
      settle(turn, { status: turn.cut ? 'incomplete' : 'completed', sent: turn.chunks.length });
      sendJson(res, 200, response);
      return;
    }
    const controller = new AbortController();
    state.active.set(response.id, { response, controller });
    res.on('close', () => controller.abort('closed'));
    try {
      await streamTurn(new SseWriter(res), turn, {
        fault: state.faults.takeStreamFault(),
        tokensPerSecond: state.pacing.tokensPerSecond,
        stampDeltas: state.pacing.stampDeltas,
        held: state.held,
        signal: controller.signal,
      });
    } finally {
      state.active.delete(response.id);
    }
  } catch (error) {
    record.status = error instanceof ApiError ? error.status : 500;
    throw error;
  }
}

/** `GET /v1/responses/{id}`. */
export function retrieveResponse(state: EmulatorState, res: ServerResponse, id: string): void {
  sendJson(res, 200, state.store.get(id) ?? state.active.get(id)?.response ?? responseNotFound(id));
}

/** `POST /v1/responses/{id}/cancel`: a stream in flight stops and the response is `cancelled`. */
export function cancelResponse(state: EmulatorState, res: ServerResponse, id: string): void {
  const active = state.active.get(id);
  if (active) {
    active.response.status = 'cancelled';
    active.controller.abort(CANCELLED);
    sendJson(res, 200, active.response);
    return;
  }
  const stored = state.store.get(id) ?? responseNotFound(id);
  if (stored.status !== 'cancelled') {
    throw invalidRequest(
      `Cannot cancel a response with status '${stored.status}': only responses in progress can be cancelled.`,
    );
  }
  sendJson(res, 200, stored);
}

function responseNotFound(id: string): never {
  throw notFound(`Response with id '${id}' not found.`);
}

function recordRequest(state: EmulatorState): RecordedRequest {
  const record = blankRecord();
  state.record(record);
  return record;
}

/** A request's record before anything of its body is known. */
export function blankRecord(): RecordedRequest {
  return {
    id: null,
    model: null,
    input: null,
    previous_response_id: null,
    store: null,
    stream: null,
    instructions: null,
    max_output_tokens: null,
    metadata: null,
    status: 200,
    at: Date.now(),
  };
}

function sentFields(body: unknown): Partial<RecordedRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const fields = body as Record<string, unknown>;
  const pick = (name: string) => fields[name] ?? null;
  return {
    model: pick('model'),
    input: pick('input'),
    previous_response_id: pick('previous_response_id'),
    store: pick('store'),
    stream: pick('stream'),
    instructions: pick('instructions'),
    max_output_tokens: pick('max_output_tokens'),
    metadata: pick('metadata'),
  };
}

const HTTP_ERRORS = {
  429: [
    'Rate limit reached for requests. Please try again later.',
    'requests',
    'rate_limit_exceeded',
  ],
  500: [
    'The server had an error while processing your request. Sorry about that!',
    'server_error',
    null,
  ],
  502: ['Bad gateway.', 'server_error', null],
  503: ['The engine is currently overloaded, please try again later.', 'server_error', null],
} as const;

function faultError(fault: RequestFault, model: string): ApiError {
  if (fault.type === 'model_not_found') {
    return new ApiError(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      'model',
      'model_not_found',
    );
  }
  const [message, type, code] = HTTP_ERRORS[fault.status];
  const seconds = fault.retryAfterSeconds;
  const headers: Record<string, string> =
    seconds === undefined ? {} : { 'retry-after': String(seconds) };
  return new ApiError(fault.status, message, type, null, code, headers);
}
