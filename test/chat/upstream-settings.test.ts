/** Upstream refusals that come from the server's own settings say which setting to check. */
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { failureFromError } from '../../src/services/chat/error-mapping.js';
import { ModelUnavailableError } from '../../src/services/responses-client.js';
import { createUpstreamClient } from '../../src/services/upstream/index.js';
import { perTestChatFixture } from '../helpers/chat.js';

const setup = perTestChatFixture();

async function refusal(baseURL: string, config: Config, upstreamThreads = 0) {
  const client = createUpstreamClient({ ...config, maxRetries: 0, upstreamThreads }, silentLogger, {
    baseURL,
    apiKey: 'test-key',
  });
  try {
    await client.stream({ input: [{ role: 'user', content: 'Hi' }] });
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
  throw new Error('the request was accepted');
}

describe.each([0, 1])('upstream settings, with %i upstream threads', (threads) => {
  it('takes a base URL without its /v1 for what it is, not for a missing model', async () => {
    const f = await setup({ config: { fallbackModels: ['gpt-4o-mini'] } });
    const error = await refusal(f.emulator.baseURL.replace(/\/v1$/, ''), f.config, threads);
    expect(error).not.toBeInstanceOf(ModelUnavailableError);
    const failure = failureFromError(error, 'request');
    expect(failure.code).toBe('UPSTREAM_ERROR');
    expect(failure.detail).toContain('check OPENAI_BASE_URL');
  });

  it('logs why a connection failed, not only that it did', async () => {
    const f = await setup();
    // A port that was free a moment ago: the connection is refused.
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const failure = failureFromError(
      await refusal(`http://127.0.0.1:${port}/v1`, f.config, threads),
      'request',
    );
    expect(failure.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(failure.detail).toContain('ECONNREFUSED');
  });

  it('takes a page answered where the event stream should be for a setting to check, not a dropped stream', async () => {
    const f = await setup();
    const page = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome</html>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = page.address() as net.AddressInfo;
      const error = await refusal(`http://127.0.0.1:${port}/v1`, f.config, threads);
      const failure = failureFromError(error, 'request');
      expect(failure).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: false });
      expect(failure.detail).toContain('got text/html (check OPENAI_BASE_URL)');
    } finally {
      await new Promise((resolve) => page.close(resolve));
    }
  });

  it('takes an event stream whose media type is written in capitals for one', async () => {
    const f = await setup();
    const upstream = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'Text/Event-Stream; charset=UTF-8' }).end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as net.AddressInfo;
    const client = createUpstreamClient(
      { ...f.config, maxRetries: 0, upstreamThreads: threads },
      silentLogger,
      { baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'test-key' },
    );
    try {
      const opened = await client.stream({ input: [{ role: 'user', content: 'Hi' }] });
      expect(opened.model).toBe(f.config.model);
    } finally {
      await client.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
