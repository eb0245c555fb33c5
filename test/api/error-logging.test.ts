/**
 * What the server logs about GraphQL errors: a client's mistake (NOT_FOUND, a bad cursor) is no
 * server error; an unexpected one is logged once, at error level, and masked for the client.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { type AppFixture, codes, createAppFixture } from '../helpers/app.js';

const entries: Array<{ level: keyof Logger; message: string }> = [];
const record =
  (level: keyof Logger) =>
  (message: string): void => {
    entries.push({ level, message });
  };
const logger: Logger = {
  debug: record('debug'),
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
};
const errorsLogged = () => entries.filter((entry) => entry.level === 'error');

let fx: AppFixture;
beforeAll(async () => {
  fx = await createAppFixture({ app: { logger } });
});
afterAll(() => fx.close());

it('logs no error for a request refused with a code', async () => {
  entries.length = 0;
  expect(codes(await fx.exec('{ conversations(after: "bad") { totalCount } }'))).toEqual([
    'BAD_USER_INPUT',
  ]);
  const rename = 'mutation { renameConversation(id: "conv_nope", chatName: "x") { id } }';
  expect(codes(await fx.exec(rename))).toEqual(['NOT_FOUND']);
  expect(codes(await fx.exec('{ me { nope } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(errorsLogged()).toEqual([]);
});

it('logs an unexpected error once and masks it', async () => {
  entries.length = 0;
  vi.spyOn(fx.app.services.store, 'listConversations').mockRejectedValueOnce(
    new Error('disk on fire'),
  );
  const result = await fx.exec('{ conversations { totalCount } }');
  expect(result.errors?.map((error) => error.message)).toEqual(['Unexpected error.']);
  expect(errorsLogged()).toEqual([
    { level: 'error', message: 'unexpected error in a GraphQL operation' },
  ]);
});

it('shows no stack trace or original error even with NODE_ENV=development', async () => {
  // yoga's own masking adds the original error, stack included, in development mode.
  vi.stubEnv('NODE_ENV', 'development');
  try {
    vi.spyOn(fx.app.services.store, 'listConversations').mockRejectedValueOnce(
      new Error('disk on fire'),
    );
    const result = await fx.exec('{ conversations { totalCount } }');
    expect(result.errors?.map((error) => error.message)).toEqual(['Unexpected error.']);
    expect(JSON.stringify(result)).not.toMatch(/disk on fire|stack|originalError/);
  } finally {
    vi.unstubAllEnvs();
  }
});

it("logs a failed operation's error on one line at debug, without the query and its text", async () => {
  entries.length = 0;
  const refused = await fx.exec(
    'mutation {\n renameConversation(id: "conv_nope", chatName: "TOPSECRET") { id }\n}',
  );
  expect(codes(refused)).toEqual(['NOT_FOUND']);
  const logged = entries.filter((entry) => entry.level === 'debug').map((e) => e.message);
  expect(logged.length).toBeGreaterThan(0);
  for (const message of logged) {
    expect(message).not.toContain('\n');
    expect(message).not.toContain('TOPSECRET');
  }
});
