/**
 * The `fetch` the openai SDK uses to reach the upstream: node:http(s) with keep-alive agents.
 * The SDK still does the retries, timeouts and SSE parsing; this only moves bytes. Two reasons:
 *
 * - Cost per event. A paced model sends each delta in its own TCP segment, so what is paid per
 *   read is paid per delta. Node's built-in fetch (undici), with a second web stream to split
 *   its pieces, cost about 40% more CPU per delta than node:http with one web stream that splits
 *   as it enqueues; at a thousand concurrent answers that is a large share of a core.
 * - Pieces cut where events end. The SDK's SSE reader copies the unread rest of its buffer after
 *   every event, so one read holding many events (a fast upstream, or a server busy for a
 *   moment) costs time quadratic in its size; and it rescans and copies its whole buffer for
 *   every piece, so an event split over many pieces costs time quadratic in the event. Bodies are
 *   handed on in pieces of about `maxPieceBytes` that end at an event's blank line (see
 *   `eventPieces`).
 *
 * Requests it does not handle (a `Request` object, a streamed or form body, a scheme other than
 * http/https) go to the global fetch unchanged. It asks for identity encoding and does not
 * follow redirects; neither the Responses API nor the emulator needs more.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream';
import { ReadableStream } from 'node:stream/web';

export interface UpstreamFetchOptions {
  /** @default 4096 */
  maxPieceBytes?: number;
  /** For requests this does not handle. @default globalThis.fetch */
  fallback?: typeof fetch;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export function createUpstreamFetch(options: UpstreamFetchOptions = {}): typeof fetch {
  const maxPieceBytes = options.maxPieceBytes ?? 4096;
  const fallback = options.fallback ?? globalThis.fetch;
  return (input, init) => {
    const url = typeof input === 'string' || input instanceof URL ? new URL(input) : null;
    const body = init?.body ?? undefined;
    const plainBody = body === undefined || typeof body === 'string' || body instanceof Uint8Array;
    if (!url || !plainBody || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return fallback(input, init);
    }
    return request(url, init ?? {}, body, maxPieceBytes);
  };
}

function request(
  url: URL,
  init: RequestInit,
  body: string | Uint8Array | undefined,
  maxPieceBytes: number,
): Promise<Response> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const method = (init.method ?? 'GET').toUpperCase();
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method,
      headers,
      agent: agents[url.protocol as keyof typeof agents],
      signal: init.signal ?? undefined,
    });
    req.once('error', reject);
    req.once('response', (res) => {
      const status = res.statusCode ?? 502;
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        responseHeaders.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
      }
      const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
      if (empty) res.resume();
      const bodyStream = empty ? null : readable(res, maxPieceBytes, init.signal);
      resolve(
        new Response(bodyStream as unknown as BodyInit | null, {
          status,
          statusText: res.statusMessage ?? '',
          headers: responseHeaders,
        }),
      );
    });
    req.end(body);
  });
}

/**
 * The response body as a web stream of pieces (`eventPieces`), with backpressure.
 * A body that ends early (the connection dropped, or the request aborted) errors the stream.
 */
function readable(
  res: IncomingMessage,
  maxPieceBytes: number,
  signal: AbortSignal | null | undefined,
): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        res.on('data', (chunk: Buffer) => {
          for (const piece of eventPieces(chunk, maxPieceBytes)) controller.enqueue(piece);
          if ((controller.desiredSize ?? 1) <= 0) res.pause();
        });
        finished(res, (error) => {
          if (cancelled) return;
          // As fetch does: an aborted request's body fails with an AbortError, which the SDK
          // treats as the caller's decision rather than as a broken connection.
          if (error && signal?.aborted) controller.error(abortError());
          else if (error) controller.error(error);
          else controller.close();
        });
      },
      pull() {
        res.resume();
      },
      cancel(reason) {
        cancelled = true;
        res.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    // Enough pieces queued that a fast body is not paused and resumed on every read.
    { highWaterMark: 16 },
  );
}

const abortError = () => new DOMException('This operation was aborted', 'AbortError');

const BLANK_LINE = Buffer.from('\n\n');

/**
 * Cuts a read into pieces that end after the last blank line (`\n\n`, the end of an event as
 * the Responses API and the emulator frame them) within `maxBytes`. An event longer than that is
 * one piece: a finished turn's last four events each repeat the whole answer, and handed on in
 * 4 KB slices a 14 KB answer cost the SDK 1.6-2.2x the time (a local script: 390-550 against
 * 245 µs per turn end). Where no blank line follows (another framing, or the start of a long
 * event) the rest is cut at `maxBytes`; the SDK reassembles any cut.
 */
export function eventPieces(chunk: Buffer, maxBytes: number): Buffer[] {
  if (chunk.length <= maxBytes) return [chunk];
  const pieces: Buffer[] = [];
  let start = 0;
  // Once a search finds no blank line ahead, the rest is cut at `maxBytes` without searching.
  let blankLineAhead = true;
  while (chunk.length - start > maxBytes) {
    let end = -1;
    if (blankLineAhead) {
      end = chunk.lastIndexOf(BLANK_LINE, start + maxBytes - BLANK_LINE.length);
      if (end < start) end = chunk.indexOf(BLANK_LINE, start + maxBytes - BLANK_LINE.length + 1);
      blankLineAhead = end !== -1;
    }
    end = end === -1 ? start + maxBytes : end + BLANK_LINE.length;
    pieces.push(chunk.subarray(start, end));
    start = end;
  }
  if (start < chunk.length) pieces.push(chunk.subarray(start));
  return pieces;
}
