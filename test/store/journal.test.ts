import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Conversations,
  parseSnapshot,
  serializeSnapshot,
} from '../../src/services/store/document.js';
import {
  applyOp,
  encodeOps,
  headerOp,
  type JournalOp,
  parseJournal,
} from '../../src/services/store/journal.js';

const header = (id: string, lastUpdate: number) => ({
  data: { id, created_at: 1, metadata: {}, object: 'conversation' as const },
  chat_name: `chat ${id}`,
  last_update: lastUpdate,
  last_response_id: null,
});

const message = (id: string, text: string) => ({
  id,
  role: 'user' as const,
  text,
  timestamp: 1,
  response_id: null,
});

const replay = (start: Conversations, ops: readonly JournalOp[]): Conversations => {
  const conversations = parseSnapshot(serializeSnapshot(start));
  for (const op of ops) applyOp(conversations, op);
  return conversations;
};

describe('journal format', () => {
  it('round-trips operations as JSON Lines', () => {
    const ops: JournalOp[] = [
      headerOp('c1', header('c1', 5)),
      { op: 'msg', conv: 'c1', message: message('m1', 'line\nbreak') },
      { op: 'del', id: 'c1' },
    ];
    const text = encodeOps(ops);
    expect(text.split('\n')).toHaveLength(4);
    const parsed = parseJournal(Buffer.from(text));
    expect(parsed.ops).toEqual(ops);
    expect(parsed).toMatchObject({ corruptLines: [], tornBytes: 0, validBytes: text.length });
  });

  it('reports a torn last line and unreadable lines in the middle', () => {
    const good = encodeOps([headerOp('c1', header('c1', 5)), { op: 'del', id: 'c2' }]);
    const [first, second] = good.split('\n');
    const text = `${first}\nnot json\n{"op":"del"}\n${second}\n{"op":"msg","co`;
    const parsed = parseJournal(Buffer.from(text));
    expect(parsed.ops.map((op) => op.op)).toEqual(['conv', 'del']);
    expect(parsed.corruptLines).toEqual([2, 3]);
    expect(parsed.tornBytes).toBe('{"op":"msg","co'.length);
    expect(parsed.validBytes).toBe(text.length - parsed.tornBytes);
  });

  it('reads a whole conversation only with a header under its own id and messages with ids', () => {
    const conversation = {
      data: { id: 'c1', object: 'conversation', created_at: 1, metadata: {} },
      chat_name: 'c',
      last_update: 1,
      last_response_id: null,
      messages: [{ id: 'm1', role: 'user', text: 'hi', timestamp: 1, response_id: null }],
    };
    const line = (value: unknown) => `${JSON.stringify(value)}\n`;
    const good = line({ op: 'put', id: 'c1', conversation });
    expect(parseJournal(Buffer.from(good)).ops).toHaveLength(1);
    const bad = [
      { op: 'put', id: 'x', conversation: { messages: [] } },
      { op: 'put', id: 'c2', conversation },
      { op: 'put', id: 'c1', conversation: { ...conversation, messages: [{ text: 'no id' }] } },
    ];
    expect(parseJournal(Buffer.from(bad.map(line).join(''))).corruptLines).toEqual([1, 2, 3]);
  });

  it('extends a message text from an offset, and skips a piece that would leave a gap', () => {
    const conversations: Conversations = new Map();
    applyOp(conversations, headerOp('c1', header('c1', 1)));
    applyOp(conversations, { op: 'msg', conv: 'c1', message: message('m1', 'Hel') });
    expect(applyOp(conversations, { op: 'text', conv: 'c1', id: 'm1', from: 3, text: 'lo' })).toBe(
      true,
    );
    // A retried piece overlapping the last one lands in the same place.
    applyOp(conversations, { op: 'text', conv: 'c1', id: 'm1', from: 4, text: 'o, world' });
    expect(conversations.get('c1')?.messages[0]?.text).toBe('Hello, world');
    expect(applyOp(conversations, { op: 'text', conv: 'c1', id: 'm1', from: 99, text: '!' })).toBe(
      false,
    );
    expect(applyOp(conversations, { op: 'text', conv: 'c1', id: 'nope', from: 0, text: '!' })).toBe(
      false,
    );
    expect(conversations.get('c1')?.messages[0]?.text).toBe('Hello, world');
    const line = encodeOps([{ op: 'text', conv: 'c1', id: 'm1', from: 3, text: 'x' }]);
    expect(parseJournal(Buffer.from(line)).ops).toHaveLength(1);
    const bad = '{"op":"text","conv":"c1","id":"m1","from":-1,"text":"x"}\n';
    expect(parseJournal(Buffer.from(bad)).corruptLines).toEqual([1]);
  });

  it('replaces a message keeping its text up to an offset, and skips one that would leave a gap', () => {
    const conversations: Conversations = new Map();
    applyOp(conversations, headerOp('c1', header('c1', 1)));
    applyOp(conversations, { op: 'msg', conv: 'c1', message: message('m1', 'Hello') });
    const { text: _, ...fields } = message('m1', '');
    const done = { ...fields, response_id: 'resp_1' };
    const tail = (from: number, text: string, id = 'm1'): JournalOp => ({
      op: 'msgtail',
      conv: 'c1',
      message: { ...done, id },
      from,
      text,
    });
    expect(applyOp(conversations, tail(5, ', world'))).toBe(true);
    expect(conversations.get('c1')?.messages[0]).toEqual({ ...done, text: 'Hello, world' });
    expect(applyOp(conversations, tail(99, '!'))).toBe(false);
    expect(applyOp(conversations, tail(0, '!', 'nope'))).toBe(false);
    expect(conversations.get('c1')?.messages).toHaveLength(1);
    expect(parseJournal(Buffer.from(encodeOps([tail(5, '!')]))).ops).toEqual([tail(5, '!')]);
    const bad = '{"op":"msgtail","conv":"c1","message":{"id":"m1"},"from":1.5,"text":"x"}\n';
    expect(parseJournal(Buffer.from(bad)).corruptLines).toEqual([1]);
  });

  it('replaces a message in place and keeps messages when the header changes', () => {
    const conversations: Conversations = new Map();
    applyOp(conversations, headerOp('c1', header('c1', 1)));
    applyOp(conversations, { op: 'msg', conv: 'c1', message: message('m1', 'a') });
    applyOp(conversations, { op: 'msg', conv: 'c1', message: message('m2', 'b') });
    applyOp(conversations, { op: 'msg', conv: 'c1', message: message('m1', 'a2') });
    applyOp(conversations, headerOp('c1', { ...header('c1', 9), chat_name: 'renamed' }));
    const c1 = conversations.get('c1');
    expect(c1?.chat_name).toBe('renamed');
    expect(c1?.messages.map((m) => [m.id, m.text])).toEqual([
      ['m1', 'a2'],
      ['m2', 'b'],
    ]);
    expect(applyOp(conversations, { op: 'msg', conv: 'nope', message: message('m3', 'x') })).toBe(
      false,
    );
  });

  it('keeps an id such as __proto__ an ordinary key through a snapshot round trip', () => {
    const conversations: Conversations = new Map();
    applyOp(conversations, headerOp('__proto__', header('__proto__', 1)));
    const text = serializeSnapshot(conversations);
    expect(Object.keys(JSON.parse(text))).toEqual(['__proto__']);
    expect([...parseSnapshot(text).keys()]).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).chat_name).toBeUndefined();
  });

  it('replaying a journal twice gives the same document as once (recovery relies on it)', () => {
    // Commands a store could issue; each becomes the operations the store would journal.
    const command = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), conv: fc.nat(3), at: fc.nat(9) }),
      fc.record({
        kind: fc.constant('message' as const),
        conv: fc.nat(3),
        msg: fc.nat(4),
        text: fc.string({ maxLength: 3 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), conv: fc.nat(3) }),
      // A streaming checkpoint; `back` > 0 is a retried piece that overlaps the last one.
      fc.record({
        kind: fc.constant('append' as const),
        conv: fc.nat(3),
        msg: fc.nat(4),
        text: fc.string({ maxLength: 3 }),
        back: fc.nat(2),
      }),
      // An answer's final write: new fields, and its text from `back` before the stored end.
      fc.record({
        kind: fc.constant('finish' as const),
        conv: fc.nat(3),
        msg: fc.nat(4),
        text: fc.string({ maxLength: 3 }),
        back: fc.nat(2),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(command, { maxLength: 12 }),
        fc.array(command, { maxLength: 30 }),
        (before, during) => {
          const toOps = (state: Conversations, commands: typeof before): JournalOp[] => {
            const ops: JournalOp[] = [];
            for (const c of commands) {
              const id = `c${c.conv}`;
              let op: JournalOp | null = null;
              if (c.kind === 'create') op = headerOp(id, header(id, c.at));
              else if (c.kind === 'delete') op = { op: 'del', id };
              else if (c.kind === 'message' && state.has(id))
                op = { op: 'msg', conv: id, message: message(`m${c.msg}`, c.text) };
              else if (c.kind === 'append' || c.kind === 'finish') {
                const current = state.get(id)?.messages.findLast((m) => m.id === `m${c.msg}`);
                if (current) {
                  const from = Math.max(0, current.text.length - c.back);
                  const { text: _, ...fields } = current;
                  const message = { ...fields, response_id: `resp_${c.text.length}` };
                  op =
                    c.kind === 'append'
                      ? { op: 'text', conv: id, id: current.id, from, text: c.text }
                      : { op: 'msgtail', conv: id, message, from, text: c.text };
                }
              }
              if (op) {
                applyOp(state, op);
                ops.push(op);
              }
            }
            return ops;
          };
          const start: Conversations = new Map();
          toOps(start, before);
          const journal = toOps(replay(start, []), during);
          const once = replay(start, journal);
          // Conversation order in the file carries no meaning; message order does.
          const canonical = (conversations: Conversations) =>
            JSON.stringify([...conversations].sort(([a], [b]) => a.localeCompare(b)));
          expect(canonical(replay(once, journal))).toBe(canonical(once));
          // Over a snapshot holding any prefix of the journal (a crash during compaction).
          for (let k = 1; k < journal.length; k += 3) {
            const partly = replay(start, journal.slice(0, k));
            expect(canonical(replay(partly, journal))).toBe(canonical(once));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
