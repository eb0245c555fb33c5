/**
 * fast-check arbitraries for hostile text, and the checks every answer to it must pass: either
 * data, or errors that each carry a stable `extensions.code` and no internals.
 */
import os from 'node:os';
import fc from 'fast-check';

const fromCodes = (codes: fc.Arbitrary<number>) =>
  fc.string({ unit: codes.map((code) => String.fromCharCode(code)) });

/** Strings users would never type: controls, lone surrogates, bidi and zero-width marks... */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\n\t\r',
    '../../etc/passwd',
    '..\\..\\boot.ini',
    '%2e%2e%2f',
    '__proto__',
    'constructor',
    '{"$gt":""}',
    '<script>alert(1)</script>',
    '\ud800',
    '\udfff\ud800',
    '\u202e\u200b\ufeff',
    'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357'.repeat(50),
  ),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  // Control characters, C1 controls and the surrogate range, which alone are invalid UTF-16.
  fromCodes(fc.integer({ min: 0, max: 0x1f })),
  fromCodes(fc.integer({ min: 0x7f, max: 0x9f })),
  fromCodes(fc.integer({ min: 0xd800, max: 0xdfff })),
  fromCodes(fc.constantFrom(0x200b, 0x200d, 0x200e, 0x202e, 0x2066, 0xfeff, 0xfffe, 0xffff)),
  // Huge: beyond every length limit.
  fc.integer({ min: 100_001, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 201, max: 5_000 }).map((n) => '\ud83d\ude00'.repeat(n)),
);

/** An id: hostile, or one that looks valid but names nothing. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  hostileText,
  fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/),
  fc.constant('a'.repeat(129)),
);

/** Codes a client may act on (ARCHITECTURE.md) plus yoga's request-level ones. */
export const STABLE_CODES = new Set([
  'UNAUTHENTICATED',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  // messageStream: resubscribe from the last seq received (src/schema/errors.ts).
  'REPLAY_GAP',
  'SUBSCRIBER_OVERFLOW',
]);

export interface AnswerLike {
  status?: number;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Problems with an answer: an error without a stable code, a 5xx, or internals in the text. */
export function answerProblems(answer: AnswerLike, secrets: string[] = []): string[] {
  const problems: string[] = [];
  if ((answer.status ?? 200) >= 500) problems.push(`status ${answer.status}`);
  for (const error of answer.errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !STABLE_CODES.has(code)) {
      problems.push(`code ${String(code)}: ${error.message}`);
    }
  }
  const text = JSON.stringify(answer);
  for (const secret of [os.tmpdir(), process.cwd(), 'node_modules', ...secrets]) {
    if (secret && text.includes(secret)) problems.push(`leaks ${secret}`);
  }
  if (/\bat .+:\d+:\d+/.test(text) || text.includes('"stack"')) problems.push('leaks a stack');
  return problems;
}
