/** Legacy files that are not UTF-8 are reported, never migrated with their text altered. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { decodeUtf8, invalidUtf8At } from '../../src/migrate/utf8.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { emptyLayout, migrate, storedConversations } from './support.js';

const temp = useTempDir('threadline-migrate-utf8-');
const T = 1_700_000_000;

const entry = (id: string) => ({ data: { id, object: 'thread', created_at: T }, chat_name: id });
const page = (text: string) => ({
  object: 'list',
  has_more: false,
  data: [{ id: 'msg_1', created_at: T + 1, role: 'user', content: [{ type: 'text', text }] }],
});

describe('file encodings', () => {
  it('reports a Latin-1 export and a UTF-16 index by file, and alters no text', async () => {
    const layout = await emptyLayout(temp.path);
    const bobIndex = { thread_latin1: entry('thread_latin1'), thread_bom: entry('thread_bom') };
    await writeFile(path.join(layout.legacyDir, 'bob.json'), JSON.stringify(bobIndex));
    const utf16 = Buffer.from(
      `\uFEFF${JSON.stringify({ thread_c: entry('thread_c') })}`,
      'utf16le',
    );
    await writeFile(path.join(layout.legacyDir, 'carol.json'), utf16);
    const latin1 = JSON.stringify(page("Un café, s'il vous plaît"));
    const latin1File = path.join(layout.messagesDir, 'thread_latin1.json');
    await writeFile(latin1File, Buffer.from(latin1, 'latin1'));
    await writeFile(
      path.join(layout.messagesDir, 'thread_bom.json'),
      `\uFEFF${JSON.stringify(page('déjà vu'))}`,
    );

    const report = await migrate(layout);

    expect(report.status).toBe('partial');
    expect(report.failures).toEqual([
      {
        user: 'bob',
        file: latin1File,
        thread: 'thread_latin1',
        reason: `export unreadable: not UTF-8 (byte ${latin1.indexOf('é')} is not part of a UTF-8 character): save it as UTF-8 (from Latin-1 or Windows-1252, say)`,
      },
      {
        user: 'carol',
        file: path.join(layout.legacyDir, 'carol.json'),
        thread: null,
        reason: expect.stringMatching(/^encoded as UTF-16 .*save it as UTF-8$/),
      },
    ]);
    const bob = await storedConversations(layout.dataDir, 'bob');
    expect(bob.get('thread_latin1')?.messages).toEqual([]);
    expect(bob.get('thread_bom')?.messages.map((message) => message.text)).toEqual(['déjà vu']);
  });

  it('finds the first byte that starts no UTF-8 character', () => {
    const bytes = (...values: number[]) => Uint8Array.from(values);
    expect(invalidUtf8At(Buffer.from('plain é € 😀'))).toBe(-1);
    expect(invalidUtf8At(bytes(0x61, 0xe9, 0x61))).toBe(1);
    expect(invalidUtf8At(bytes(0x61, 0xc0, 0xaf))).toBe(1); // overlong
    expect(invalidUtf8At(bytes(0xed, 0xa0, 0x80))).toBe(0); // a surrogate
    expect(invalidUtf8At(bytes(0x61, 0x62, 0xe2, 0x82))).toBe(2); // cut short
    expect(decodeUtf8(Buffer.from('\uFEFF{}'))).toBe('{}');
  });

  it('names UTF-16 without a byte order mark, and UTF-32, rather than calling them UTF-8 or UTF-16', () => {
    const json = JSON.stringify({ thread_a: entry('thread_a') });
    const reason = (bytes: Uint8Array) => {
      try {
        decodeUtf8(bytes);
        return 'decoded';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const utf16be = Buffer.from(json, 'utf16le').swap16();
    expect(reason(Buffer.from(json, 'utf16le'))).toMatch(/^encoded as UTF-16 \(without a byte/);
    expect(reason(utf16be)).toMatch(/^encoded as UTF-16 \(without a byte/);
    const utf32 = Buffer.alloc(4 + json.length * 4);
    utf32.writeUInt32LE(0xfeff, 0);
    for (const [i, char] of [...json].entries()) utf32.writeUInt32LE(char.charCodeAt(0), 4 + i * 4);
    expect(reason(utf32)).toMatch(/^encoded as UTF-32 /);
    expect(reason(Buffer.from(utf32).swap32())).toMatch(/^encoded as UTF-32 /);
    // Without the mark too, either way round: not "not valid JSON" over its 0 bytes.
    const utf32NoBom = utf32.subarray(4);
    expect(reason(utf32NoBom)).toMatch(/^encoded as UTF-32 \(without a byte/);
    expect(reason(Buffer.from(utf32NoBom).swap32())).toMatch(/^encoded as UTF-32 \(without a byte/);
    expect(reason(Buffer.from(json))).toBe('decoded');
  });

  it('says what failed when decoding fails for another reason than the bytes', () => {
    // What a valid file longer than the longest string (512 MiB) meets, without its size.
    const tooLong = new RangeError('Invalid string length');
    const decode = vi.spyOn(TextDecoder.prototype, 'decode').mockImplementation(() => {
      throw tooLong;
    });
    try {
      expect(() => decodeUtf8(Buffer.from('{}'))).toThrow(tooLong);
    } finally {
      decode.mockRestore();
    }
    expect(() => decodeUtf8(Buffer.from([0x7b, 0xe9, 0x7d]))).toThrow(/^not UTF-8 \(byte 1 /);
  });
});
