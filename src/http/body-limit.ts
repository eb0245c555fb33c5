import type { Plugin } from 'graphql-yoga';

/** The refusal of a body (or a WebSocket operation) over the limit, worded alike everywhere. */
export const bodyTooLarge = (maxBytes: number) => `Request body larger than ${maxBytes} bytes`;

/** A refusal's body, shaped as GraphQL clients read errors. */
export const refusalJson = (message: string) =>
  JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

/**
 * Refuses a request body whose declared Content-Length is over `maxBytes` (413) before
 * anything reads it. Node's HTTP parser never delivers more than the declared length, so it is
 * a real bound; a body sent in chunks declares none, and is counted as it is read
 * (`readChunkedBody`).
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared === null || Number(declared) <= maxBytes) return;
      endResponse(
        new fetchAPI.Response(refusalJson(bodyTooLarge(maxBytes)), {
          status: 413,
          headers: { 'Content-Type': 'application/json', Connection: 'close' },
        }),
      );
    },
  };
}
