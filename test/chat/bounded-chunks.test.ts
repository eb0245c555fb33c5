import { describe, expect, it } from 'vitest';
import { boundedChunkFetch } from '../../src/services/bounded-chunks.js';

const eventStream = (body: string) =>
  new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });

async function pieces(response: Response): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe('boundedChunkFetch', () => {
  it('hands an event stream on in pieces of at most maxBytes, bytes unchanged', async () => {
    const text = Array.from({ length: 500 }, (_, i) => `event: e\ndata: {"n":${i}}\n\n`).join('');
    const bytes = Buffer.from(text);
    const fetch = boundedChunkFetch(1024, async () => eventStream(text));
    const response = await fetch('http://upstream/v1/responses');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const got = await pieces(response);
    expect(got.length).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 1024));
    expect(got.every((piece) => piece.length <= 1024)).toBe(true);
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
  });

  it('leaves other responses alone', async () => {
    const json = new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
    const fetch = boundedChunkFetch(4, async () => json);
    expect(await fetch('http://upstream/v1/responses')).toBe(json);
  });
});
