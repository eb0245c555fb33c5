/**
 * A `fetch` for the openai SDK that hands it an event stream in pieces of at most `maxBytes`.
 * The SDK's SSE reader copies the unread rest of its buffer after every event, so one large
 * read (a fast upstream, or a server busy for a moment) costs time quadratic in its size; in
 * pieces of a few KiB that copying stays linear. The SDK still does all the SSE parsing.
 */
import { ReadableStream } from 'node:stream/web';

export function boundedChunkFetch(maxBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const type = response.headers.get('content-type') ?? '';
    if (!response.body || !type.startsWith('text/event-stream')) return response;
    const body = response.body as unknown as ReadableStream<Uint8Array>;
    return new Response(ReadableStream.from(split(body, maxBytes)) as unknown as BodyInit, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

async function* split(body: ReadableStream<Uint8Array>, maxBytes: number) {
  for await (const chunk of body) {
    if (chunk.length <= maxBytes) {
      yield chunk;
      continue;
    }
    for (let start = 0; start < chunk.length; start += maxBytes) {
      yield chunk.subarray(start, start + maxBytes);
    }
  }
}
