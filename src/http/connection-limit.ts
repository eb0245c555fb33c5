/**
 * A cap on open client connections. Without one, a flood of idle sockets (an unauthenticated
 * WebSocket costs nothing to hold open) takes every file descriptor, and then the journal's
 * next append fails with EMFILE: a flood would cost messages, not just connections.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Logger } from '../logger.js';

/** Where the open-file limit cannot be read (not Linux). */
const FALLBACK = 10_000;
/** Refusals are logged at most this often: a flood must not flood the log too. */
const LOG_EVERY_MS = 60_000;

/**
 * Half the process's open-file limit (`ulimit -n`), leaving the other half to the model's
 * streams, storage and the web app's files.
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

/** Closes connections past `max` as they arrive (Node's `maxConnections`), logging that it does. */
export function limitConnections(server: Server, max: number, logger: Logger): void {
  server.maxConnections = max;
  let loggedAt = Number.NEGATIVE_INFINITY;
  let refused = 0;
  server.on('drop', () => {
    refused++;
    const now = performance.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    loggedAt = now;
    logger.warn('connections refused: the most allowed are open (MAX_CONNECTIONS)', {
      max,
      refused,
    });
    refused = 0;
  });
}
