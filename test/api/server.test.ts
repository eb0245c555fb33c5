import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppFixture, codes, createAppFixture } from '../helpers/app.js';

let fx: AppFixture;
let url: string;
let webDist: string;

beforeAll(async () => {
  webDist = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-web-'));
  await fs.mkdir(path.join(webDist, 'assets'));
  await fs.writeFile(
    path.join(webDist, 'index.html'),
    '<!doctype html><title>Threadline app</title>',
  );
  await fs.writeFile(path.join(webDist, 'assets', 'main-Ab12Cd34.js'), 'console.log(1);');
  await fs.writeFile(path.join(webDist, 'favicon.svg'), '<svg/>');
  // Named like a hashed asset, but outside assets/.
  await fs.writeFile(
    path.join(webDist, 'page-Ab12Cd34.html'),
    '<!doctype html><title>page</title>',
  );
  // A file next to the web root that must never be served.
  await fs.writeFile(
    path.join(path.dirname(webDist), `${path.basename(webDist)}-secret.txt`),
    'secret',
  );
  fx = await createAppFixture({
    config: { maxBodyBytes: 2_048, maxQueryDepth: 5 },
    app: { webDistDir: webDist },
  });
  url = await fx.start();
});
afterAll(async () => {
  await fx.close();
  await fs.rm(webDist, { recursive: true, force: true });
  await fs.rm(`${webDist}-secret.txt`, { force: true });
});

/** A raw request, so the path reaches the server exactly as written (fetch would normalise it). */
function rawGet(
  rawPath: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/`, { path: rawPath }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
      );
    });
    request.on('error', reject).end();
  });
}

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${fx.tokens.alice}`,
      ...headers,
    },
    body,
  });

describe('endpoints', () => {
  it('answers /healthz', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  });

  it('serves GraphiQL to a browser with every asset inline', async () => {
    const response = await fx.app.yoga.fetch('http://localhost/graphql', {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    const page = await response.text();
    expect(page).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(page).toContain('"subscriptionsProtocol":"WS"');
    // Nothing is loaded from elsewhere: no external script, stylesheet, icon or CSS url().
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/@import\s+url\(\s*["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/url\(\s*["']?https?:\/\//i);
  });

  it('fills in the Authorization header from ?token=, and only a token-shaped one', async () => {
    const render = async (query: string) =>
      (
        await fx.app.yoga.fetch(`http://localhost/graphql?${query}`, {
          headers: { accept: 'text/html' },
        })
      ).text();
    const withToken = await render(`token=${fx.tokens.alice}`);
    expect(withToken).toContain(
      JSON.stringify(JSON.stringify({ Authorization: `Bearer ${fx.tokens.alice}` })),
    );
    // The page is rendered once around the headers: another token gets the same page with its own.
    const other = await render(`token=${fx.tokens.bob}`);
    expect(other.replace(fx.tokens.bob, fx.tokens.alice)).toBe(withToken);
    // Read once, the token leaves the address bar, and GraphiQL does not store the headers.
    expect(withToken).toContain("url.searchParams.delete('token')");
    expect(withToken).toContain('"shouldPersistHeaders":false');
    const injected = await render(
      `token=${encodeURIComponent('</script><script>alert(1)</script>')}`,
    );
    expect(injected).not.toContain('alert(1)');
  });

  it('passes GraphiQL introspection through the query limits', async () => {
    const response = await post(JSON.stringify({ query: getIntrospectionQuery() }));
    const result = await response.json();
    expect(result.errors).toBeUndefined();
    expect(result.data.__schema.queryType.name).toBe('Query');
  });
});

describe('the web app', () => {
  it('serves files with their content type and caches only hashed assets for long', async () => {
    const index = await fetch(`${url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('Threadline app');

    const asset = await fetch(`${url}/assets/main-Ab12Cd34.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${url}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('decides long caching by the file served, not by how the path was written', async () => {
    const outside = await rawGet('/assets/..%2Fpage-Ab12Cd34.html');
    expect(outside.body).toContain('<title>page</title>');
    expect(outside.headers['cache-control']).toBe('no-cache');
    const roundabout = await rawGet('/assets/x%2F..%2Fmain-Ab12Cd34.js');
    expect(roundabout.body).toBe('console.log(1);');
    expect(roundabout.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // A long path written to make a pattern over it backtrack: the file it names is index.html.
    const long = await rawGet(`/assets/${'-'.repeat(15_000)}%2F..%2F..%2Findex.html`);
    expect(long.body).toContain('Threadline app');
    expect(long.headers['cache-control']).toBe('no-cache');
  });

  it('falls back to index.html for app routes, 404 for missing files, 405 for writes', async () => {
    const route = await fetch(`${url}/c/some-conversation?token=x`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('Threadline app');
    expect((await fetch(`${url}/assets/missing-Zz99Yy88.js`)).status).toBe(404);
    expect((await fetch(`${url}/`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('never serves a file outside the web root', async () => {
    const name = `${path.basename(webDist)}-secret.txt`;
    for (const attempt of [`/../${name}`, `/%2e%2e/${name}`, `/assets/..%2f..%2f${name}`, '/%00']) {
      const response = await rawGet(attempt);
      expect(response.body).not.toContain('secret');
      expect([200, 400, 404]).toContain(response.status);
    }
  });

  it('says how to build the web app when it is not built', async () => {
    const bare = await createAppFixture();
    try {
      const response = await fetch(`${await bare.start()}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('npm run build:web');
    } finally {
      await bare.close();
    }
  });
});

describe('limits', () => {
  it('refuses an oversized body with 413 before reading it', async () => {
    const text = 'x'.repeat(4_096);
    const response = await post(
      JSON.stringify({
        query:
          'mutation ($text: String!) { sendMessage(input: { text: $text }) { conversation { id } } }',
        variables: { text },
      }),
    );
    expect(response.status).toBe(413);
    expect((await fx.app.services.store.listConversations('alice')).length).toBe(0);
  });

  it('refuses a query deeper than maxQueryDepth and too many aliases', async () => {
    const deep = await fx.exec(
      '{ conversations { edges { node { messages { usage { totalTokens } } } } } }',
    );
    // Refused by validation, and not worded as a syntax error: the query parsed.
    expect(deep.errors?.[0]?.message).toMatch(/^Query depth/);
    expect(deep.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(deep.data).toBeUndefined();

    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: me { name }`).join(' ');
    const aliased = await fx.exec(`{ ${aliases} }`);
    expect(aliased.errors?.[0]?.message).toMatch(/^Aliases limit/);
  });

  it('turns batching off', async () => {
    const response = await post(
      JSON.stringify([{ query: '{ me { name } }' }, { query: '{ me { name } }' }]),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
  });

  it('reports expected errors with their code and masks unexpected ones', async () => {
    const invalid = await fx.exec('query ($id: ID!) { conversation(id: $id) { id } }', {
      id: '../etc',
    });
    expect(codes(invalid)).toEqual(['BAD_USER_INPUT']);

    const spy = vi
      .spyOn(fx.app.services.store, 'listConversations')
      .mockRejectedValueOnce(new Error('EIO reading /srv/private/alice.json'));
    try {
      const result = await fx.exec('{ conversations { totalCount } }');
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        }),
      ]);
      expect(JSON.stringify(result)).not.toContain('/srv/private');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('schema.graphql', () => {
  it('matches the schema the code builds', async () => {
    await expect(
      promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        'scripts/print-schema.ts',
        '--check',
      ]),
    ).resolves.toBeDefined();
  });
});
