import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamFetch, eventPieces } from '../../src/services/upstream-fetch.js';

const SSE = Array.from({ length: 5000 }, (_, i) => `event: e\ndata: {"n":${i}}\n\n`).join('');

interface Seen {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', headers: req.headers, body });
      switch (req.url) {
        case '/sse':
          res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' });
          res.end(SSE); // one large write
          return;
        case '/json':
          res.writeHead(400, 'Bad Thing', { 'content-type': 'application/json' });
          res.end(JSON.stringify({ echo: body }));
          return;
        case '/empty':
          res.writeHead(204).end();
          return;
        case '/drop':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: e\ndata: {}\n\n', () => res.socket?.destroy());
          return;
        case '/slow':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: e\ndata: {}\n\n');
          return; // never ends
        case '/never':
          return; // never answers
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function pieces(response: Response): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) out.push(piece);
  return out;
}

describe('createUpstreamFetch', () => {
  it('hands an event stream on in pieces of at most maxPieceBytes, bytes and headers unchanged', async () => {
    const fetch = createUpstreamFetch({ maxPieceBytes: 1024 });
    const response = await fetch(`${base}/sse`);
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-request-id')).toBe('req_1');
    const got = await pieces(response);
    expect(got.length).toBeGreaterThanOrEqual(Math.ceil(SSE.length / 1024));
    expect(got.every((piece) => piece.length <= 1024)).toBe(true);
    // Whole events: every piece but a read's last ends where an event ends.
    const whole = got.filter((piece) => Buffer.from(piece).toString().endsWith('\n\n'));
    expect(whole.length).toBeGreaterThan(got.length / 2);
    expect(Buffer.concat(got).toString()).toBe(SSE);
  });

  it('sends the method, headers and body, and passes an error status and its body through', async () => {
    const fetch = createUpstreamFetch();
    const body = JSON.stringify({ input: 'héllo' });
    const response = await fetch(`${base}/json`, {
      method: 'post',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(response.statusText).toBe('Bad Thing');
    expect(await response.json()).toEqual({ echo: body });
    const request = seen.at(-1) as Seen;
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Bearer k');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(request.headers['accept-encoding']).toBe('identity');
    expect(request.body).toBe(body);
  });

  it('gives a 204 a null body', async () => {
    const response = await createUpstreamFetch()(`${base}/empty`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('errors the body when the connection drops before the end', async () => {
    const response = await createUpstreamFetch()(`${base}/drop`);
    await expect(pieces(response)).rejects.toThrow();
  });

  it('rejects with an AbortError when aborted before the headers, and errors the body after', async () => {
    const fetch = createUpstreamFetch();
    const early = new AbortController();
    const pending = fetch(`${base}/never`, { signal: early.signal });
    setTimeout(() => early.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

    const late = new AbortController();
    const response = await fetch(`${base}/slow`, { signal: late.signal });
    const reading = pieces(response);
    setTimeout(() => late.abort(), 20);
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('leaves requests it does not handle to the fallback fetch', async () => {
    const calls: unknown[] = [];
    const fallback = (async (input: unknown) => {
      calls.push(input);
      return new Response('fallback');
    }) as typeof fetch;
    const fetch = createUpstreamFetch({ fallback });
    const request = new Request(`${base}/json`);
    expect(await (await fetch(request)).text()).toBe('fallback');
    expect(
      await (await fetch(`${base}/json`, { method: 'POST', body: new FormData() })).text(),
    ).toBe('fallback');
    expect(calls).toHaveLength(2);
  });
});

describe('eventPieces', () => {
  const event = (data: string) => `event: e\ndata: ${data}\n\n`;
  const text = (pieces: Buffer[]) => pieces.map((piece) => piece.toString());

  it('cuts after the last whole event that fits, so each piece holds whole events', () => {
    const small = Array.from({ length: 40 }, (_, i) => event(`{"n":${i}}`)).join('');
    const got = text(eventPieces(Buffer.from(small), 100));
    expect(got.join('')).toBe(small);
    expect(got.every((piece) => piece.length <= 100 && piece.endsWith('\n\n'))).toBe(true);
    expect(got.length).toBeLessThan(small.length / 60); // several events a piece, not one
  });

  it('hands on an event longer than the limit as one piece', () => {
    const long = event('x'.repeat(1000));
    const chunk = event('a') + long + event('b') + event('c');
    const got = text(eventPieces(Buffer.from(chunk), 100));
    expect(got.join('')).toBe(chunk);
    expect(got).toContain(long);
  });

  it('cuts at the limit where no blank line follows, and leaves a short read whole', () => {
    const crlf = Array.from({ length: 30 }, (_, i) => `data: ${i}\r\n\r\n`).join('');
    const got = eventPieces(Buffer.from(crlf), 64);
    expect(Buffer.concat(got).toString()).toBe(crlf);
    expect(got.slice(0, -1).every((piece) => piece.length === 64)).toBe(true);
    const short = Buffer.from(event('a'));
    expect(eventPieces(short, 64)).toEqual([short]);
  });
});
