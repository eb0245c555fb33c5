import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTooLarge, refusalJson } from './body-limit.js';
import { SECURITY_HEADERS } from './security-headers.js';

/**
 * A body sent in chunks (`Transfer-Encoding`, no `Content-Length`: `fetch` with a stream, curl
 * reading standard input) says its length only at its end, so it cannot be refused up front as
 * a declared one is. It is read here, counting, and handed on whole; past `maxBytes` the rest is
 * never kept. Null when it was refused (the response is sent) or the client went away.
 */
export function readChunkedBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Still flowing with no listener: what the client sends is read and dropped until the
      // socket closes. Closing with it unread would reset the connection, and could lose the
      // 413 before the client reads it.
      req.off('data', onData);
      chunks.length = 0;
      refuse(res, maxBytes);
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks, size)));
    // The client went away mid-body: there is nobody to answer (a later resolve is ignored).
    req.once('close', () => resolve(null));
    req.once('error', () => resolve(null));
  });
}

function refuse(res: ServerResponse, maxBytes: number): void {
  const body = refusalJson(bodyTooLarge(maxBytes));
  res
    .writeHead(413, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    })
    .end(body);
}
