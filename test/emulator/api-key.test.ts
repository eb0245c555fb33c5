import OpenAI, { AuthenticationError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { collect, deltasOf } from './collect.js';

let upstream: TestEmulator;
afterEach(() => upstream?.close());

describe('an emulator started with an API key', () => {
  it('serves only requests that carry the key, the control endpoints too', async () => {
    upstream = await startTestEmulator({ apiKey: 'sk-local-secret', replyWords: 5 });
    const stream = await upstream.client.responses.create({
      model: 'o1-mini',
      input: 'Hi',
      stream: true,
    });
    const { events, error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(deltasOf(events)).toHaveLength(5);

    const stranger = new OpenAI({ apiKey: 'sk-guess', baseURL: upstream.baseURL, maxRetries: 0 });
    const refused = await stranger.responses
      .create({ model: 'o1-mini', input: 'Hi' })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused).toMatchObject({ status: 401, code: 'invalid_api_key' });

    const control = (init: RequestInit = {}) =>
      fetch(`${upstream.origin}/__emulator/requests`, init).then((r) => r.status);
    expect(await control()).toBe(401);
    expect(await control({ headers: { authorization: 'Bearer sk-guess' } })).toBe(401);
    expect(await control({ headers: { authorization: 'Bearer sk-local-secret' } })).toBe(200);
    const hold = await fetch(`${upstream.origin}/__emulator/pacing`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"hold":true}',
    });
    expect(hold.status).toBe(401);
    expect(upstream.emulator.requests()).toHaveLength(1);
    // Health needs no key: it says nothing about anyone.
    expect((await fetch(`${upstream.origin}/healthz`)).status).toBe(200);
  });
});
