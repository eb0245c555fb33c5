/**
 * The migration's legacy readers against hostile files: truncated, wrong types, deep, huge.
 * A bad file or entry becomes a reported failure (or, for a message export, an Error with a
 * reason, as documented); nothing crashes with a TypeError on the way.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertChatGptConversation, readChatGptExport } from '../../src/migrate/chatgpt.js';
import { parseThreadEntry, readLegacyIndex } from '../../src/migrate/legacy-index.js';
import { readMessageExport } from '../../src/migrate/message-export.js';

const RUNS = 150;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-legacy-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** A legacy index: right shape with wrong types inside, or anything at all. */
const legacyIndex = fc.oneof(
  anyJson,
  fc.dictionary(
    fc.oneof(
      fc.string(),
      fc.string().map((s) => `thread_${s}`),
    ),
    fc.oneof(
      anyJson,
      fc.record(
        {
          data: fc.oneof(
            anyJson,
            fc.record(
              { id: anyJson, created_at: anyJson, metadata: anyJson },
              { requiredKeys: [] },
            ),
          ),
          chat_name: anyJson,
          last_update: anyJson,
          messages: anyJson,
        },
        { requiredKeys: [] },
      ),
    ),
  ),
);
const node = fc.record(
  {
    id: anyJson,
    parent: anyJson,
    children: anyJson,
    message: fc.oneof(
      anyJson,
      fc.record(
        {
          author: fc.oneof(anyJson, fc.record({ role: anyJson }, { requiredKeys: [] })),
          content: fc.oneof(anyJson, fc.record({ content_type: anyJson, parts: anyJson })),
          create_time: anyJson,
          metadata: anyJson,
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const chatGptConversation = fc.oneof(
  anyJson,
  fc.record(
    {
      id: anyJson,
      title: anyJson,
      create_time: anyJson,
      update_time: anyJson,
      current_node: fc.oneof(anyJson, fc.constantFrom('a', 'b')),
      mapping: fc.oneof(anyJson, fc.dictionary(fc.constantFrom('a', 'b', 'c'), node)),
    },
    { requiredKeys: [] },
  ),
);
const messageExport = fc.oneof(
  anyJson,
  fc.array(anyJson),
  fc.record({ object: fc.constant('list'), data: fc.array(anyJson), has_more: anyJson }),
);

/** The file as written: whole, cut short, or with bytes that are not UTF-8. */
const asFile = (value: fc.Arbitrary<unknown>) =>
  fc
    .tuple(value, fc.nat(), fc.constantFrom('whole', 'truncated', 'binary'))
    .map(([v, cut, how]) => {
      const text = JSON.stringify(v) ?? 'null';
      if (how === 'truncated') return Buffer.from(text.slice(0, cut % (text.length + 1)));
      if (how === 'binary') return Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0xfe, 0])]);
      return Buffer.from(text);
    });

let fileNo = 0;
async function write(bytes: Buffer, name = `f${fileNo++}.json`): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return file;
}

describe('legacy readers never crash on hostile files', () => {
  it('parseThreadEntry and convertChatGptConversation return a value or a reason', () => {
    fc.assert(
      fc.property(fc.string(), fc.anything(), (key, entry) => {
        const result = parseThreadEntry(key, entry);
        expect(typeof result === 'string' || typeof result === 'object').toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), chatGptConversation), (value) => {
        const result = convertChatGptConversation(value);
        expect(typeof result === 'string' || typeof result === 'object').toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('readLegacyIndex reports an unusable file or entry as a failure', async () => {
    await fc.assert(
      fc.asyncProperty(asFile(legacyIndex), async (bytes) => {
        const index = await readLegacyIndex('legacy', await write(bytes));
        for (const failure of index.failures) expect(failure.reason).toEqual(expect.any(String));
      }),
      { numRuns: RUNS },
    );
  });

  it('readChatGptExport reports an unusable file or conversation as a failure', async () => {
    await fc.assert(
      fc.asyncProperty(asFile(fc.oneof(anyJson, fc.array(chatGptConversation))), async (bytes) => {
        const batch = await readChatGptExport(await write(bytes), 'legacy');
        for (const failure of batch.failures) expect(failure.reason).toEqual(expect.any(String));
      }),
      { numRuns: RUNS },
    );
  });

  it('readMessageExport returns messages or throws a plain Error with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(asFile(messageExport), async (bytes) => {
        const threadId = `thread_${fileNo}`;
        await write(bytes, `${threadId}.json`);
        try {
          await readMessageExport(dir, threadId);
        } catch (error) {
          // Not a TypeError or RangeError from reading a wrong type: a reason for the report.
          expect((error as Error).constructor).toBe(Error);
          expect((error as Error).message).not.toBe('');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('reads a huge index (5 MB, 20 000 threads) and a deeply nested file', async () => {
    const threads = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [
        `thread_${i}`,
        { data: { id: `thread_${i}`, created_at: 1_700_000_000 }, chat_name: 'x'.repeat(200) },
      ]),
    );
    const huge = await readLegacyIndex('legacy', await write(Buffer.from(JSON.stringify(threads))));
    expect(huge.threads).toHaveLength(20_000);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const nested = await readLegacyIndex('legacy', await write(Buffer.from(deep)));
    expect(nested.failures).toHaveLength(1);
  });
});
