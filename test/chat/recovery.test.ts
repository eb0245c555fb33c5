/**
 * The retry of `InterruptedAnswers` against a real store, with the chat service's view of its
 * own turns given by hand: which answers it leaves to a later pass.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { InterruptedAnswers } from '../../src/services/chat/recovery.js';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { waitFor } from '../helpers/chat.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
let recovery: InterruptedAnswers | undefined;
let store: JsonConversationStore | undefined;
afterEach(async () => {
  await recovery?.close();
  await store?.close();
});

describe('InterruptedAnswers', () => {
  it('passes over a conversation whose turn is starting, and marks its cut-off answer later', async () => {
    store = new JsonConversationStore({ dataDir: dir.path, logger: silentLogger });
    const conversation = await store.createConversation('dave', 'Crashed');
    const id = conversation.data.id;
    const cut = await store.addMessage('dave', id, {
      role: 'assistant',
      text: 'Half',
      status: 'STREAMING',
    });
    const list = store.listConversations.bind(store);
    let readable = false;
    vi.spyOn(store, 'listConversations').mockImplementation(async (username) => {
      if (!readable) throw new Error('EIO: i/o error');
      return list(username);
    });
    // A turn of this process is starting in the conversation: its answer may be stored, its id
    // not known yet.
    let live: string | null | undefined = null;
    const asked: number[] = [];
    recovery = new InterruptedAnswers({
      store,
      logger: silentLogger,
      retryMs: 50,
      liveAnswer: () => {
        asked.push(Date.now());
        return live;
      },
    });
    expect(await recovery.recover()).toBe(0);
    readable = true;
    await waitFor(() => (asked.length >= 3 ? true : undefined));
    expect((await store.getConversation('dave', id))?.messages[0]?.status).toBe('STREAMING');

    // The turn failed before it stored anything: the next pass marks the answer.
    live = undefined;
    await waitFor(async () =>
      (await store?.getConversation('dave', id))?.messages[0]?.status === 'INCOMPLETE'
        ? true
        : undefined,
    );
    expect((await store.getConversation('dave', id))?.messages[0]).toMatchObject({
      id: cut.id,
      error: { code: 'STREAM_INTERRUPTED', retryable: true },
    });
  });
});
