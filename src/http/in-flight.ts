import type { Server, ServerResponse } from 'node:http';
import { graceWhile } from './grace.js';

/**
 * The responses a server is still writing, so that a stop lets them end before it cuts the
 * connections: an SSE stream sends its last event and `complete` once the hub has ended it.
 */
export function trackInFlight(server: Server) {
  const open = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    open.add(response);
    response.once('close', () => open.delete(response));
  });
  return {
    /** Settles once every response has ended, or after `graceMs`. */
    drained: (graceMs: number): Promise<void> => graceWhile(() => open.size > 0, graceMs),
  };
}
