/**
 * Hostile requests rather than hostile values: malformed JSON and GraphQL, oversized bodies,
 * deep, wide and aliased queries, batches, WebSockets that never initialise or flood the server.
 * Each gets a clear refusal, and the server keeps serving others.
 */
import net from 'node:net';
import fc from 'fast-check';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type AppFixture, createAppFixture } from '../helpers/app.js';
import { waitFor } from '../helpers/chat.js';
import { operation, Recorder, SEND, wsClient } from './lib/gql.js';
import { answerProblems } from './lib/hostile.js';

const MAX_BODY = 16_384;

let fx: AppFixture;
let url: string;
let wsUrl: string;

/** How long a WebSocket that came without a token may go without one, here. */
const SIGN_IN_WAIT = 400;

beforeAll(async () => {
  fx = await createAppFixture({
    config: { maxBodyBytes: MAX_BODY, maxQueryDepth: 5 },
    emulator: { replyWords: 20 },
    app: { wsInitTimeoutMs: 300, wsSignInWaitMs: SIGN_IN_WAIT },
  });
  url = await fx.start();
  wsUrl = `${url.replace(/^http/, 'ws')}/graphql`;
});
afterAll(() => fx.close());

async function postRaw(body: string | Blob, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${fx.tokens.alice}`,
      ...headers,
    },
    body,
  });
  const text = await response.text();
  let json: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // Some refusals (e.g. 413 from the body limit) are JSON; others need not be.
  }
  return { status: response.status, text, headers: Object.fromEntries(response.headers), ...json };
}

/** The headers every response of the API carries, those sent before yoga runs included. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
};

/** The headers of a raw HTTP reply, by lower-case name. */
function replyHeaders(reply: string): Record<string, string> {
  const head = reply.slice(0, reply.indexOf('\r\n\r\n')).split('\r\n').slice(1);
  return Object.fromEntries(
    head.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
}

/** A POST whose body is a stream: fetch sends it in chunks, with no Content-Length. */
async function postChunked(parts: string[]) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
      controller.close();
    },
  });
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.tokens.alice}` },
    body,
    duplex: 'half',
  } as RequestInit);
  const json = (await response.json()) as {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
  return { status: response.status, ...json };
}

/** A full answer streamed to another client: what "the server keeps serving" means here. */
async function expectOthersServed() {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const client = wsClient(url, fx.tokens.bob);
  try {
    const { data } = await operation(client, 'mutation { createConversation { id } }');
    const conversationId = data?.createConversation.id as string;
    const recorder = new Recorder(client, conversationId);
    const sent = await operation(client, SEND, { input: { conversationId, text: 'still there?' } });
    const final = await recorder.final(sent.data?.sendMessage.assistantMessage.id);
    recorder.close();
    expect(final.__typename).toBe('TextDone');
  } finally {
    await client.dispose();
  }
}

describe('malformed HTTP requests', () => {
  it('answers any body with 4xx and a coded error, never 5xx or internals', async () => {
    const bodies = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json().map((json) => json.slice(0, -1)),
      fc.json(),
      fc.record({ query: fc.string({ maxLength: 200 }) }).map((value) => JSON.stringify(value)),
      fc.record({ query: fc.anything(), variables: fc.anything() }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const result = await postRaw(body);
        expect(result.status).toBeLessThan(500);
        expect(answerProblems(result, [fx.dataDir])).toEqual([]);
      }),
      { numRuns: 150 },
    );
    // Bytes that are not UTF-8 at all.
    const bytes = await postRaw(new Blob([Buffer.from([0x7b, 0xff, 0xfe, 0xc0, 0x80, 0x7d])]));
    expect(bytes.status).toBe(400);
    expect(answerProblems(bytes)).toEqual([]);
    await expectOthersServed();
  });

  it('answers a request target no URL can be made of with 400, and keeps serving', async () => {
    const { port } = new URL(url);
    for (const target of ['//[', '//a:b@[::1', 'http://[x]/graphql']) {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.end(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        socket.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        socket.on('end', () => resolve(text)).on('error', reject);
      });
      expect(reply, target).toMatch(/^HTTP\/1\.1 400 /);
      expect(replyHeaders(reply)).toMatchObject(SECURITY_HEADERS);
    }
    await expectOthersServed();
  });

  it('gives every refusal a coded JSON body, with nothing of the parser in it', async () => {
    const plain = await postRaw('{}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    const created = await postRaw(
      JSON.stringify({ query: 'mutation { createConversation { id } }' }),
    );
    const { id } = (created as unknown as { data: { createConversation: { id: string } } }).data
      .createConversation;
    const subscription = JSON.stringify({
      query: `subscription { messageStream(conversationId: "${id}") { __typename } }`,
    });
    const unanswerable = await postRaw(subscription, {
      accept: 'application/graphql-response+json',
    });
    expect(unanswerable.status).toBe(406);
    expect(unanswerable.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    // Refused, it leaves no subscription open behind it (as Apollo's default Accept would).
    for (let i = 0; i < 20; i++) {
      const refused = await postRaw(subscription, {
        accept: 'application/graphql-response+json, application/json;q=0.9',
      });
      expect(refused.status).toBe(406);
    }
    await waitFor(() => (fx.app.services.hub.openSubscriptions === 0 ? true : undefined));
    const broken = await postRaw('{"query": "{ me { name } }", oops');
    expect(broken.status).toBe(400);
    expect(broken.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(broken.text).not.toContain('oops');
    // In the type the client asked for.
    const typed = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: '{ oops',
    });
    expect(typed.status).toBe(400);
    expect(typed.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
  });

  it('keeps the parser out of a refusal sent as an event stream, and refuses bad GET parameters', async () => {
    for (const accept of ['text/event-stream', 'multipart/mixed']) {
      const streamed = await postRaw('{"query": "{ me { name } }", oops', { accept });
      expect(streamed.text).toContain('BAD_REQUEST');
      expect(streamed.text).not.toMatch(/oops|originalError|SyntaxError/);
    }
    for (const name of ['variables', 'extensions']) {
      const params = new URLSearchParams({ query: '{ me { name } }', [name]: 'oops{' });
      const response = await fetch(`${url}/graphql?${params}`, {
        headers: { authorization: `Bearer ${fx.tokens.alice}` },
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text).errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(text).not.toMatch(/oops|originalError|SyntaxError/);
    }
  });

  it('logs an error of the listening socket instead of ending the process', () => {
    const accept = Object.assign(new Error('accept ENOBUFS'), { code: 'ENOBUFS' });
    expect(() => fx.app.server.emit('error', accept)).not.toThrow();
  });

  it('refuses oversized bodies with 413, declared or streamed', async () => {
    const big = JSON.stringify({ query: `{ me { name } }${' '.repeat(MAX_BODY * 2)}` });
    const declared = await postRaw(big);
    expect(declared.status).toBe(413);
    expect(declared.headers).toMatchObject(SECURITY_HEADERS);
    expect(declared.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/larger than/),
      extensions: { code: 'BAD_REQUEST' },
    });

    // Chunked, with no Content-Length: refused once past the limit, with the rest unsent.
    const over = `{"query":"{ me { name${' '.repeat(MAX_BODY)} } }"}`;
    const chunked = await rawHttp(
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${over.length.toString(16)}\r\n${over}\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413/);
    expect(replyHeaders(chunked)).toMatchObject(SECURITY_HEADERS);
    expect(JSON.parse(chunked.slice(chunked.indexOf('\r\n\r\n') + 4)).errors[0]).toMatchObject({
      message: expect.stringMatching(/larger than/),
      extensions: { code: 'BAD_REQUEST' },
    });
    await expectOthersServed();
  });

  it('serves a body sent in chunks under the limit, as fetch sends a stream', async () => {
    const answered = await postChunked(['{"query":"{ me', ' { name } }"', '}']);
    expect(answered).toMatchObject({ status: 200, data: { me: { name: 'alice' } } });
    // Up to the limit exactly, in chunks of a kilobyte.
    const body = JSON.stringify({ query: '{ me { name } }' });
    const full = body.replace('} }', `} }${' '.repeat(MAX_BODY - body.length)}`);
    const parts = full.match(/.{1,1024}/gs) ?? [];
    expect(await postChunked(parts)).toMatchObject({
      status: 200,
      data: { me: { name: 'alice' } },
    });
    const empty = await postChunked([]);
    expect(empty.status).toBe(400);
    expect(empty.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  it('refuses deep, wide, aliased, fragment-cyclic and batched queries', async () => {
    const deep = `{ conversations { edges { node { messages { usage { totalTokens } } } } } }`;
    const wide = `{ me { ${Array.from({ length: 2_100 }, () => 'name').join(' ')} } }`;
    const aliases = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: conversations(first: 100) { totalCount }`).join(' ')} }`;
    const cyclic = 'query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }';
    const directives = `{ me { name ${'@include(if: true) '.repeat(500)} } }`;
    for (const query of [deep, wide, aliases, cyclic, directives]) {
      const result = await postRaw(JSON.stringify({ query }));
      expect(result.status, query.slice(0, 40)).toBeLessThan(413);
      expect(result.errors?.length ?? 0, query.slice(0, 40)).toBeGreaterThan(0);
      expect(answerProblems(result)).toEqual([]);
    }
    const batch = await postRaw(JSON.stringify(Array(50).fill({ query: '{ me { name } }' })));
    expect(batch.status).toBeGreaterThanOrEqual(400);
    expect(batch.status).toBeLessThan(500);
    await expectOthersServed();
  });
});

describe('hostile WebSockets', () => {
  it('closes sockets that never send connection_init with 4408, and serves others meanwhile', async () => {
    const sockets = Array.from({ length: 50 }, () => new WebSocket(wsUrl, 'graphql-transport-ws'));
    const closed = Promise.all(
      sockets.map((socket) => new Promise<number>((resolve) => socket.on('close', resolve))),
    );
    await expectOthersServed();
    expect(new Set(await closed)).toEqual(new Set([4408]));
  });

  it('closes a socket no valid token came on in time (4401), and keeps one that signed in', async () => {
    const me = (socket: WebSocket, id: string, token: string) => {
      const answer = new Promise<unknown>((resolve) =>
        socket.on('message', (raw) => {
          const message = JSON.parse(String(raw));
          if (message.id === id && message.type === 'next') resolve(message.payload);
        }),
      );
      const headers = { authorization: `Bearer ${token}` };
      socket.send(
        JSON.stringify({
          id,
          type: 'subscribe',
          payload: { query: '{ me { name } }', extensions: { headers } },
        }),
      );
      return answer;
    };
    const anonymous = await openInitialised({});
    const wrongToken = await openInitialised({});
    const signedIn = await openInitialised({});
    const closes = [closeCode(anonymous), closeCode(wrongToken)];
    // An operation that brings a valid token signs its socket in, as GraphiQL's do.
    expect(await me(signedIn, '1', fx.tokens.alice)).toEqual({ data: { me: { name: 'alice' } } });
    expect(await me(wrongToken, '1', 'nope')).toMatchObject({
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(await Promise.all(closes)).toEqual([4401, 4401]);
    // Well past the wait, the signed-in socket is open and served.
    await new Promise((resolve) => setTimeout(resolve, SIGN_IN_WAIT));
    expect(signedIn.readyState).toBe(WebSocket.OPEN);
    expect(await me(signedIn, '2', fx.tokens.bob)).toEqual({ data: { me: { name: 'bob' } } });
    signedIn.close(1000);
  });

  it("lets graphql-ws's lazy client, as GraphiQL's, connect again after 4401", async () => {
    const closes: unknown[] = [];
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      // Kept open after its operation, as a client with a subscription would be.
      lazyCloseTimeout: 60_000,
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    const me = (token: string) =>
      client
        .iterate({
          query: '{ me { name } }',
          extensions: { headers: { authorization: `Bearer ${token}` } },
        })
        .next()
        .then((result) => result.value);
    try {
      expect(await me('nope')).toMatchObject({
        errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
      });
      await waitFor(() => (closes.length > 0 ? true : undefined));
      expect(closes).toEqual([4401]);
      expect(await me(fx.tokens.alice)).toEqual({ data: { me: { name: 'alice' } } });
    } finally {
      await client.dispose();
    }
  });

  it('closes a socket that floods garbage (4400) or an oversized message (1009)', async () => {
    const garbage = await openInitialised();
    for (let i = 0; i < 5_000; i++) garbage.send(`not json ${i}`);
    expect(await closeCode(garbage)).toBe(4400);

    const huge = await openInitialised();
    huge.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'x'.repeat(MAX_BODY * 2) } }),
    );
    expect(await closeCode(huge)).toBe(1009);
    await expectOthersServed();
  });

  it('refuses subscriptions past the per-socket cap, survives the flood and ends them on close', async () => {
    const { data } = await fx.exec('mutation { createConversation { id } }');
    const conversationId = data?.createConversation.id as string;
    const flood = await openInitialised();
    const refused: string[] = [];
    flood.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type === 'error') refused.push(message.payload[0]?.extensions?.code);
    });
    const query = 'subscription ($c: ID!) { messageStream(conversationId: $c) { __typename } }';
    for (let i = 0; i < 2_000; i++) {
      flood.send(
        JSON.stringify({
          id: `s${i}`,
          type: 'subscribe',
          payload: { query, variables: { c: conversationId } },
        }),
      );
    }
    await expectOthersServed();
    // 500 run at once (the default cap); every one past it is refused with a stable code.
    await waitFor(() => (refused.length >= 1_500 ? true : undefined));
    expect(refused).toHaveLength(1_500);
    expect(new Set(refused)).toEqual(new Set(['TOO_MANY_OPERATIONS']));
    const code = closeCode(flood);
    flood.close(1000);
    await code;
    await expectOthersServed();
  });
});

function openInitialised(
  payload: Record<string, unknown> = { authorization: `Bearer ${fx.tokens.alice}` },
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve(socket);
    });
  });
}

const closeCode = (socket: WebSocket) =>
  new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));

/** Writes raw bytes to the server and returns what it answered before closing. */
function rawHttp(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 3_000);
  });
}
