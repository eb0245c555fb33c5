import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Schedule, sleep, untilSettled, waitForDelta } from './pacing.js';
import { messageItem, reasoningItem } from './response.js';
import type { SseWriter } from './sse.js';
import { stampChunk } from './stamp.js';
import { joinChunks, settle, type Turn } from './turn.js';
import type { StreamFault } from './types.js';

/** At full speed, deltas go out in batches of this many, with a turn of the event loop between. */
const MAX_BATCH = 256;
/** Why a stream's abort signal fired: `POST /v1/responses/{id}/cancel`. */
export const CANCELLED = 'cancelled';

const SERVER_ERROR = {
  code: 'server_error' as const,
  message:
    'An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
};
const INTERRUPTED = {
  code: 'server_error' as const,
  message: 'The stream was interrupted before the response finished.',
};

export interface StreamOptions {
  fault: StreamFault | undefined;
  tokensPerSecond: number;
  /** Replace each delta's text by its write stamp (the final text then holds the stamps). */
  stampDeltas?: boolean;
  /** Text deltas wait until this settles (see `Pacing.hold`). */
  held?: Promise<void> | null;
  /** Aborts on client disconnect, emulator close, or cancel (reason `CANCELLED`). */
  signal: AbortSignal;
}

/** Streams one turn as the API's SSE events, in the API's order, ending as `fault` says. */
export async function streamTurn(writer: SseWriter, turn: Turn, options: StreamOptions) {
  const { fault, signal } = options;
  const { response, chunks, messageId } = turn;
  let sequence = 0;
  const send = (type: string, fields: object) =>
    writer.event(type, { type, sequence_number: sequence++, ...fields });

  writer.open();
  send('response.created', { response });
  send('response.in_progress', { response });
  let outputIndex = 0;
  if (turn.reasoningId) {
    const item = reasoningItem(turn.reasoningId);
    send('response.output_item.added', { output_index: outputIndex, item });
    send('response.output_item.done', { output_index: outputIndex, item });
    outputIndex += 1;
  }
  const at = { item_id: messageId, output_index: outputIndex, content_index: 0 };
  send('response.output_item.added', {
    output_index: outputIndex,
    item: messageItem(messageId, 'in_progress'),
  });
  send('response.content_part.added', { ...at, part: textPart('') });

  // The hot path: each delta frame is three constant strings around the sequence number and text.
  const head =
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":';
  const middle = `,"item_id":"${messageId}","output_index":${outputIndex},"content_index":0,"delta":`;
  const tail = ',"logprobs":[]}\n\n';
  const stopAt = stopPoint(fault, chunks.length);
  let stallAt = fault?.type === 'stall' ? Math.min(fault.afterDeltas, chunks.length) : -1;
  if (options.held && (await writer.flush())) await untilSettled(options.held, signal);
  const schedule = new Schedule(options.tokensPerSecond);
  let sent = 0;

  while (!signal.aborted && (await writer.flush())) {
    if (sent === stallAt && fault?.type === 'stall') {
      await sleep(fault.ms, signal);
      schedule.shift(fault.ms);
      stallAt = -1;
      continue;
    }
    if (sent >= stopAt) break;
    const due = Math.min(stopAt, stallAt > sent ? stallAt : stopAt, schedule.allowed());
    if (due <= sent) {
      await waitForDelta(schedule.wait(sent), signal);
      continue;
    }
    const end = Math.min(due, sent + MAX_BATCH);
    for (; sent < end; sent++) {
      if (options.stampDeltas) chunks[sent] = stampChunk(sent);
      writer.frame(head + sequence++ + middle + JSON.stringify(chunks[sent]) + tail);
    }
    if (!schedule.paced) await yieldToLoop();
  }

  if (signal.reason === CANCELLED) {
    settle(turn, { status: 'cancelled', sent });
    await writer.end();
    return;
  }
  if (writer.closed || signal.aborted) {
    settle(turn, { status: 'failed', sent, error: INTERRUPTED });
    return;
  }

  const finishText = (status: 'completed' | 'incomplete') => {
    const text = joinChunks(chunks, sent);
    send('response.output_text.done', { ...at, text, logprobs: [] });
    send('response.content_part.done', { ...at, part: textPart(text) });
    send('response.output_item.done', {
      output_index: outputIndex,
      item: messageItem(messageId, status, text),
    });
  };

  switch (fault?.type) {
    case 'drop_after':
      settle(turn, { status: 'failed', sent, error: INTERRUPTED });
      writer.drop();
      return;
    case 'response_failed':
      send('response.failed', {
        response: settle(turn, { status: 'failed', sent, error: SERVER_ERROR }),
      });
      break;
    case 'error_event': {
      const code = fault.code ?? 'server_error';
      const message = fault.message ?? SERVER_ERROR.message;
      settle(turn, { status: 'failed', sent, error: SERVER_ERROR });
      send(
        'error',
        fault.nested
          ? { error: { type: 'server_error', code, message, param: null } }
          : { code, message, param: null },
      );
      break;
    }
    case 'malformed_sse':
      settle(turn, { status: 'failed', sent, error: SERVER_ERROR });
      writer.frame(
        `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${sequence++},"delta":\n\n`,
      );
      break;
    default:
      if (fault?.type === 'incomplete' || turn.cut) {
        finishText('incomplete');
        send('response.incomplete', { response: settle(turn, { status: 'incomplete', sent }) });
      } else {
        finishText('completed');
        send('response.completed', { response: settle(turn, { status: 'completed', sent }) });
      }
  }
  await writer.end();
}

const textPart = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text });

/** How many deltas go out before a fault ends the stream (all of them when none does). */
function stopPoint(fault: StreamFault | undefined, total: number): number {
  switch (fault?.type) {
    case 'drop_after':
      return Math.min(fault.deltas, total);
    case 'response_failed':
    case 'error_event':
    case 'incomplete':
    case 'malformed_sse':
      return Math.min(fault.afterDeltas ?? 0, total);
    default:
      return total;
  }
}
