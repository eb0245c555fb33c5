/**
 * A migrated conversation has no response chain, so its next turn must send the whole migrated
 * history upstream and then chain from the new answer. Real SDK against the emulator.
 */
import { describe, expect, it } from 'vitest';
import { assistantItem, perTestChatFixture, sendAndSettle, userItem } from '../helpers/chat.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { copyFixtures, migrate } from './support.js';

const setup = perTestChatFixture();
const temp = useTempDir('threadline-continue-');

describe('a migrated conversation continuing through the chat engine', () => {
  it('sends the full migrated history on its next turn, then chains', async () => {
    const f = await setup();
    const layout = { ...(await copyFixtures(temp.path)), dataDir: f.dataDir };
    // The chat fixture's store holds the data directory; the migration needs it to itself.
    await f.store.close();
    await migrate(layout);
    await f.store.open();

    const next = await sendAndSettle(f, 'alice', 'And the sixth?', 'thread_pages');
    const then = await sendAndSettle(f, 'alice', 'Thanks', 'thread_pages');

    const [first, second] = f.emulator.requests();
    expect(first?.previous_response_id).toBeNull();
    expect(first?.input).toEqual([
      userItem('pages message 0'),
      assistantItem('pages message 1'),
      userItem('pages message 2'),
      assistantItem('pages message 3'),
      userItem('pages message 4'),
      userItem('And the sixth?'),
    ]);
    expect(next.answer.text).toContain('(6 messages in view)');
    // From here on the conversation chains like any other.
    expect(second?.previous_response_id).toBe(next.answer.response_id);
    expect(second?.input).toEqual([userItem('Thanks')]);
    const stored = await f.store.getConversation('alice', 'thread_pages');
    expect(stored?.last_response_id).toBe(then.answer.response_id);
    expect(stored?.data.metadata.legacy_thread_id).toBe('thread_pages');
  });
});
