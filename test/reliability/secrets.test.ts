/**
 * The API key and user tokens never reach the log or a client, even when the upstream echoes
 * the key back in its errors (as the real API does for a wrong key). Runs the real server as a
 * child process at LOG_LEVEL=debug against an upstream that puts the Authorization header it
 * received into every error.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUserService } from '../../src/services/users.js';
import { operation, post, Recorder, SEND, wsClient } from './lib/gql.js';
import { type ServerProcess, startServer } from './lib/server-process.js';

const API_KEY = 'sk-canary-5b1e9d0c7a4f42e8b3d6';

/** What the upstream answers next, in order; each error text carries the key it was sent. */
const plan: Array<(auth: string, res: http.ServerResponse) => void> = [
  (auth, res) => errorReply(res, 401, 'invalid_api_key', `Incorrect API key provided: ${auth}`),
  (auth, res) => errorReply(res, 400, 'invalid_request_error', `Bad request with ${auth}`),
  (auth, res) => errorReply(res, 500, 'server_error', `Internal error for ${auth}`),
  (auth, res) => errorReply(res, 429, 'rate_limit_exceeded', `Slow down, ${auth}`),
  (auth, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = { type: 'error', code: 'server_error', message: `Stream failed for ${auth}` };
    res.end(`event: error\ndata: ${JSON.stringify({ ...event, sequence_number: 0 })}\n\n`);
  },
];

function errorReply(res: http.ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
  res.end(JSON.stringify({ error: { message, type: code, code, param: null } }));
}

let upstream: http.Server;
let server: ServerProcess;
let dataDir: string;
let token: string;

beforeAll(async () => {
  let next = 0;
  upstream = http.createServer((req, res) => {
    req.resume().on('end', () => {
      const auth = String(req.headers.authorization);
      (plan[next++ % plan.length] as (typeof plan)[number])(auth, res);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-secrets-'));
  token = await createUserService({ dataDir }).add('erin');
  server = await startServer({
    dataDir,
    upstreamURL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    apiKey: API_KEY,
    env: { LOG_LEVEL: 'debug' },
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  upstream?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

it('keeps the API key and tokens out of logs, stream errors and stored messages', async () => {
  const client = wsClient(server.url, token);
  const { data } = await operation(client, 'mutation { createConversation { id } }');
  const conversationId = data?.createConversation.id as string;
  const seen: string[] = [];
  for (let i = 0; i < plan.length; i++) {
    const recorder = new Recorder(client, conversationId);
    const sent = await operation(client, SEND, { input: { conversationId, text: `try ${i}` } });
    const final = await recorder.final(sent.data?.sendMessage.assistantMessage.id);
    recorder.close();
    expect(final.__typename).toBe('StreamError');
    seen.push(JSON.stringify(final));
  }
  // Other failures a client can provoke: bad tokens, malformed operations.
  seen.push(JSON.stringify(await post(server.url, 'wrong', '{ me { name } }')));
  seen.push(JSON.stringify(await post(server.url, token, '{ me { name ')));
  seen.push(JSON.stringify(await post(server.url, token, '{ serverInfo { model } }')));
  const stored = await operation(
    client,
    `query ($id: ID!) { conversation(id: $id) { messages { text error { code message } } } }`,
    { id: conversationId },
  );
  seen.push(JSON.stringify(stored));
  await client.dispose();
  await server.stop();

  const log = server.output();
  for (const text of [log, ...seen]) {
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(API_KEY.slice(3, 20));
    expect(text).not.toContain(token);
  }
  // Not vacuous: the upstream's errors, key included, did reach the logger and were redacted.
  expect(log).toContain('[redacted]');
  expect(seen.join('\n')).toContain('UPSTREAM_ERROR');
  const files = await fs.readdir(path.join(dataDir, 'chats'));
  for (const file of files) {
    expect(await fs.readFile(path.join(dataDir, 'chats', file), 'utf8')).not.toContain(API_KEY);
  }
});
