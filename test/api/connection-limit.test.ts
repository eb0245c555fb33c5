/**
 * MAX_CONNECTIONS: sockets past the cap are closed as they arrive, so a flood of idle
 * WebSockets cannot take the file descriptors storage needs; the ones already open keep working.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { defaultMaxConnections, limitConnections } from '../../src/http/connection-limit.js';
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
  fx = await createAppFixture({
    config: { maxConnections: 2 },
    app: { logger, firstRequestMs: 300 },
  });
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

describe('a connection that sends nothing', () => {
  it('is closed once its first request is late, so silent sockets cannot hold the cap', async () => {
    const { port } = new URL(wsUrl);
    const silent = net.connect(Number(port), '127.0.0.1');
    silent.on('error', () => {});
    const started = Date.now();
    await new Promise((resolve) => silent.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(5_000);
    // A connection that asks in time is served, and stays open between requests.
    const agent = new http.Agent({ keepAlive: true });
    const healthz = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(`http://127.0.0.1:${port}/healthz`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    expect(await healthz()).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await healthz()).toBe(200);
    agent.destroy();
  });
});

describe('the refusals log', () => {
  it('logs the first refusal at once, then a count per window, and the rest at close', async () => {
    const logged: Array<Record<string, unknown> | undefined> = [];
    const server = http.createServer((_req, res) => res.end());
    limitConnections(server, {
      max: 1,
      logger: { ...logger, warn: (_message, fields) => void logged.push(fields) },
      logEveryMs: 200,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    // The one connection allowed, silent (closed after the default 10 s, once the test is done).
    const keeper = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => server.once('connection', resolve));
    const refusedOnce = () =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.once('close', resolve);
      });
    await refusedOnce();
    await refusedOnce();
    await refusedOnce();
    expect(logged).toEqual([{ max: 1, refused: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logged).toEqual([
      { max: 1, refused: 1 },
      { max: 1, refused: 2 },
    ]);
    await refusedOnce();
    keeper.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(logged.at(-1)).toEqual({ max: 1, refused: 1 });
  });
});

describe('defaultMaxConnections', () => {
  it("is half the open-file limit, or 1,000 where it can't be read", async () => {
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
    expect(defaultMaxConnections(file)).toBe(1_000);
    expect(defaultMaxConnections(path.join(dir, 'missing'))).toBe(1_000);
    await fs.rm(dir, { recursive: true });
  });
});
