/**
 * MAX_CONNECTIONS: sockets past the cap are closed as they arrive, so a flood of idle
 * WebSockets cannot take the file descriptors storage needs; the ones already open keep working.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { defaultMaxConnections } from '../../src/http/connection-limit.js';
import type { Logger } from '../../src/logger.js';
import { type AppFixture, createAppFixture } from '../helpers/app.js';

const warnings: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message) => void warnings.push(message),
  error: () => {},
};

let fx: AppFixture;
let wsUrl: string;
beforeAll(async () => {
  fx = await createAppFixture({ config: { maxConnections: 2 }, app: { logger } });
  wsUrl = `${(await fx.start()).replace(/^http/, 'ws')}/graphql`;
});
afterAll(() => fx.close());

/** Opens a graphql-ws socket; resolves once it is open, or with its close code if refused. */
function connect(): Promise<{ socket: WebSocket; refused: boolean }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  return new Promise((resolve) => {
    socket.once('open', () => resolve({ socket, refused: false }));
    socket.once('error', () => resolve({ socket, refused: true }));
  });
}

/** Says connection_init and waits for the ack: the socket is served. */
function acked(socket: WebSocket): Promise<boolean> {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(String(data)).type === 'connection_ack'));
    socket.once('close', () => resolve(false));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  });
}

const closed = (socket: WebSocket) =>
  new Promise<void>((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) resolve();
    else socket.once('close', () => resolve());
  });

describe('MAX_CONNECTIONS', () => {
  it('closes connections past the cap, keeps the open ones, and takes new ones once some go', async () => {
    const first = await connect();
    const second = await connect();
    expect([first.refused, second.refused]).toEqual([false, false]);

    const third = await connect();
    expect(third.refused).toBe(true);
    expect(warnings).toEqual(['connections refused: the most allowed are open (MAX_CONNECTIONS)']);
    expect(await acked(first.socket)).toBe(true);

    second.socket.close();
    await closed(second.socket);
    // The server sees the close a moment after the client does.
    let fourth = await connect();
    for (let tries = 0; fourth.refused && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fourth = await connect();
    }
    expect(fourth.refused).toBe(false);
    expect(await acked(fourth.socket)).toBe(true);
    first.socket.close();
    fourth.socket.close();
    await Promise.all([closed(first.socket), closed(fourth.socket)]);
  });
});

describe('defaultMaxConnections', () => {
  it("is half the soft open-file limit, or 10,000 where it can't be read", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-limits-'));
    const limits = (soft: string) =>
      [
        'Limit                     Soft Limit           Hard Limit           Units     ',
        'Max processes             95567                95567                processes ',
        `Max open files            ${soft.padEnd(21)}524288               files     `,
        '',
      ].join('\n');
    const file = path.join(dir, 'limits');
    await fs.writeFile(file, limits('1024'));
    expect(defaultMaxConnections(file)).toBe(512);
    await fs.writeFile(file, limits('unlimited'));
    expect(defaultMaxConnections(file)).toBe(10_000);
    expect(defaultMaxConnections(path.join(dir, 'missing'))).toBe(10_000);
    await fs.rm(dir, { recursive: true });
  });
});
