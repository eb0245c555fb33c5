/**
 * A cap on open client connections. Without one, a flood of idle sockets (an unauthenticated
 * WebSocket costs nothing to hold open) takes every file descriptor, and then the journal's
 * next append fails with EMFILE: a flood would cost messages, not just connections.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Logger } from '../logger.js';

/** Where the open-file limit cannot be read (not Linux): a count any system allows. */
const FALLBACK = 1_000;

export interface ConnectionLimitOptions {
  /** Connections open at once; more are closed as they arrive. */
  max: number;
  logger: Logger;
  /**
   * A connection that sends no request (nor upgrade) within this long is closed: Node's own
   * timeouts start at the first byte, so silent sockets would otherwise hold the cap forever.
   * @default 10_000
   */
  firstRequestMs?: number;
  /** Refusals are logged at once, then counted and logged at most this often. @default 60_000 */
  logEveryMs?: number;
}

/**
 * Half the open-file limit the process runs with (Node raises its soft limit to the hard one
 * at start), leaving the other half to the model's streams, storage and the web app's files.
 */
export function defaultMaxConnections(limits = '/proc/self/limits'): number {
  try {
    const line = readFileSync(limits, 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isSafeInteger(soft) && soft > 0 ? Math.max(1, Math.floor(soft / 2)) : FALLBACK;
  } catch {
    return FALLBACK;
  }
}

/** Caps `server`'s connections (Node's `maxConnections`) and closes silent ones. */
export function limitConnections(server: Server, options: ConnectionLimitOptions): void {
  const { logger, max } = options;
  const firstRequestMs = options.firstRequestMs ?? 10_000;
  const logEveryMs = options.logEveryMs ?? 60_000;
  server.maxConnections = max;

  server.on('connection', (socket) => {
    // The HTTP server destroys a socket whose timeout fires with no request under way.
    socket.setTimeout(firstRequestMs);
  });
  const served = (request: { socket: { setTimeout(ms: number): unknown } }) =>
    request.socket.setTimeout(0);
  server.on('request', served);
  server.on('upgrade', served);

  // A flood must not flood the log too: the first refusal at once, then a count per window.
  let refused = 0;
  let window: NodeJS.Timeout | undefined;
  const report = () => {
    if (refused > 0) {
      logger.warn('connections refused: the most allowed are open (MAX_CONNECTIONS)', {
        max,
        refused,
      });
    }
    refused = 0;
  };
  const endWindow = () => {
    window = undefined;
    if (refused === 0) return;
    report();
    window = setTimeout(endWindow, logEveryMs).unref();
  };
  server.on('drop', () => {
    refused++;
    if (window) return;
    report();
    window = setTimeout(endWindow, logEveryMs).unref();
  });
  server.on('close', () => {
    clearTimeout(window);
    report();
  });
}
