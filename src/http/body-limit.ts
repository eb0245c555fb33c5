import type { Plugin } from 'graphql-yoga';

/** The refusal of a body (or a WebSocket operation) over the limit, worded alike everywhere. */
export const bodyTooLarge = (maxBytes: number) => `Request body larger than ${maxBytes} bytes`;

/**
 * Refuses a request body larger than `maxBytes` before anything reads it: 413 when the
 * declared Content-Length is larger, 411 for a body without one. Node's HTTP parser never
 * delivers more than the declared length, so the declared length is a real bound.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared === null && request.headers.get('transfer-encoding') === null) return;
      const status = declared === null ? 411 : Number(declared) > maxBytes ? 413 : 0;
      if (status === 0) return;
      const message = status === 413 ? bodyTooLarge(maxBytes) : 'Content-Length required';
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }),
          {
            status,
            headers: { 'Content-Type': 'application/json', Connection: 'close' },
          },
        ),
      );
    },
  };
}
