import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let upstream: TestEmulator;
beforeEach(async () => {
  upstream = await startTestEmulator();
});
afterEach(() => upstream.close());

const post = (path: string, body: string) =>
  fetch(`${upstream.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

async function expectApiError(response: Response, status: number, error: Record<string, unknown>) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject({ type: 'invalid_request_error', ...error });
}

describe('request validation', () => {
  const cases: Array<[name: string, body: string, error: Record<string, unknown>]> = [
    ['invalid JSON', '{"model": ', { param: null, code: null }],
    ['a body that is not an object', '[1, 2]', { param: 'body', code: 'invalid_type' }],
    ['a missing model', '{"input": "hi"}', { param: 'model', code: 'missing_required_parameter' }],
    ['a model that is not a string', '{"model": 4}', { param: 'model', code: 'invalid_type' }],
    [
      'input of the wrong type',
      '{"model": "m", "input": 42}',
      { param: 'input', code: 'invalid_type' },
    ],
    [
      'stream that is not a boolean',
      '{"model": "m", "stream": "yes"}',
      { param: 'stream', code: 'invalid_type', message: expect.stringContaining('a boolean') },
    ],
    [
      'max_output_tokens that is not an integer',
      '{"model": "m", "max_output_tokens": 2.5}',
      { param: 'max_output_tokens', code: 'invalid_type' },
    ],
    [
      'max_output_tokens below the minimum',
      '{"model": "m", "max_output_tokens": 0}',
      { param: 'max_output_tokens', code: 'integer_below_min_value' },
    ],
    [
      'an input item with a bad role',
      '{"model": "m", "input": [{"role": "robot", "content": "x"}]}',
      { param: 'input[0].role', code: 'invalid_value' },
    ],
    [
      'a content part without text',
      '{"model": "m", "input": [{"role": "user", "content": [{"type": "input_text"}]}]}',
      { param: 'input[0].content[0].text', code: 'invalid_type' },
    ],
    [
      'metadata with a non-string value',
      '{"model": "m", "metadata": {"n": 1}}',
      { param: 'metadata.n', code: 'invalid_type' },
    ],
    [
      'temperature of the wrong type',
      '{"model": "m", "temperature": "hot"}',
      { param: 'temperature' },
    ],
  ];

  it.each(cases)('rejects %s with a 400 in the API shape', async (_name, body, error) => {
    await expectApiError(await post('/v1/responses', body), 400, error);
  });

  it('records rejected requests without an id and keeps serving', async () => {
    await post('/v1/responses', '{"input": "no model"}');
    const ok = await upstream.client.responses.create({ model: 'gpt-4o', input: 'fine' });
    expect(upstream.emulator.requests().map((r) => [r.status, r.id])).toEqual([
      [400, null],
      [200, ok.id],
    ]);
  });

  it('answers 404 in the API shape for unknown routes', async () => {
    await expectApiError(await post('/v1/chat/completions', '{}'), 404, {
      message: 'Invalid URL (POST /v1/chat/completions)',
    });
    const wrongMethod = await fetch(`${upstream.baseURL}/responses`);
    await expectApiError(wrongMethod, 404, { message: 'Invalid URL (GET /v1/responses)' });
  });

  it('answers 413 to a body over the size limit', async () => {
    const huge = JSON.stringify({ model: 'm', input: 'x'.repeat(5 * 1024 * 1024) });
    const response = await post('/v1/responses', huge);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { message: expect.any(String) } });
  });
});
