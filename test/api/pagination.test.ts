import { describe, expect, it } from 'vitest';
import { encodeCursor, MAX_PAGE_SIZE, paginate } from '../../src/schema/pagination.js';
import type { ConversationSummary } from '../../src/services/types.js';

const summary = (id: string, lastUpdate: number): ConversationSummary => ({
  data: { id, created_at: 0, metadata: {}, object: 'conversation' },
  chat_name: id,
  last_update: lastUpdate,
  last_response_id: null,
  message_count: 0,
  streaming: false,
});

describe('conversation pages', () => {
  it(`caps a page at ${MAX_PAGE_SIZE}`, () => {
    const all = Array.from({ length: 150 }, (_, i) => summary(`c${i}`, i));
    const page = paginate(all, 1_000, null);
    expect(page.nodes).toHaveLength(MAX_PAGE_SIZE);
    expect(page.nodes[0]?.data.id).toBe('c149');
    expect(page.hasNextPage).toBe(true);
  });

  it('orders equal times by id, so a cursor never skips or repeats one', () => {
    const all = ['b', 'a', 'd', 'c'].map((id) => summary(id, 5));
    const first = paginate(all, 2, null);
    const last = first.nodes.at(-1);
    const second = paginate(all, 2, last ? encodeCursor(last) : null);
    expect([...first.nodes, ...second.nodes].map((c) => c.data.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(second.hasNextPage).toBe(false);
  });

  it('keeps its place when a newer conversation appears between pages', () => {
    const all = [summary('old', 1), summary('mid', 2), summary('new', 3)];
    const first = paginate(all, 1, null);
    const cursor = encodeCursor(first.nodes[0]!);
    const next = paginate([...all, summary('newest', 4)], 2, cursor);
    expect(next.nodes.map((c) => c.data.id)).toEqual(['mid', 'old']);
  });
});
