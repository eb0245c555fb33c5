/**
 * Live streams of real turns: late subscribers get every event exactly once, and many turns
 * at once all land in the store exactly once.
 */
import { describe, expect, it } from 'vitest';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import type { ChatEvent } from '../../src/services/types.js';
import { perTestChatFixture } from '../helpers/chat.js';

const USER = 'alice';
const setup = perTestChatFixture();

const isEnd = (event: ChatEvent) => event.type === 'TEXT_DONE' || event.type === 'STREAM_ERROR';
const deltaText = (events: ChatEvent[]) =>
  events.map((e) => (e.type === 'TEXT_DELTA' ? e.delta : '')).join('');
const countWords = (text: string) => text.trim().split(/\s+/).filter(Boolean).length;

async function drain(stream: AsyncIterable<ChatEvent>, until = isEnd): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (until(event)) break;
  }
  return events;
}

describe('live streams', () => {
  it('lets subscribers join after 50 of 100 deltas and get every later event exactly once', async () => {
    // Paced so that deltas arrive in separate ticks; the stall holds the turn open at 50.
    const f = await setup({ emulator: { tokensPerSecond: 100, replyWords: 100 } });
    f.emulator.queueFault({ type: 'stall', afterDeltas: 50, ms: 1_000 });
    const sent = await f.service.send(USER, { text: 'Count to one hundred' });
    const id = sent.conversation.data.id;
    const signal = AbortSignal.timeout(10_000);

    // A subscriber from the start, read until it has seen 50 words.
    const early = await f.service.subscribe(USER, id, { signal });
    const seen: ChatEvent[] = [];
    for await (const event of early) {
      seen.push(event);
      if (countWords(deltaText(seen)) >= 50) break;
    }
    expect(countWords(deltaText(seen))).toBe(50);
    const lastSeqAtJoin = seen.at(-1)?.seq ?? 0;
    // A seq well before the join (a busy machine coalesces some deltas: fewer seqs than words).
    const resumeAt = Math.floor(lastSeqAtJoin * 0.75);
    expect(resumeAt).toBeGreaterThan(10);

    const fromStart = drain(await f.service.subscribe(USER, id, { after: 0, signal }));
    const fromResume = drain(
      await f.service.subscribe(USER, id, {
        after: resumeAt,
        messageId: sent.assistantMessage.id,
        signal,
      }),
    );
    const reference = drain(
      await f.service.subscribe(USER, id, {
        after: 0,
        messageId: sent.assistantMessage.id,
        signal,
      }),
    );
    const [all, later, ref] = await Promise.all([fromStart, fromResume, reference]);
    const answer = await f.settled(USER, id, sent.assistantMessage.id);

    // The turn was still running when they joined.
    expect(all.at(-1)?.seq).toBeGreaterThan(lastSeqAtJoin);
    expect(answer.status).toBe('COMPLETE');
    expect(countWords(answer.text)).toBe(100);

    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]?.type).toBe('TEXT_CREATED');
    expect(deltaText(all)).toBe(answer.text);
    expect(all.at(-1)).toMatchObject({ type: 'TEXT_DONE', text: answer.text });

    expect(later[0]?.seq).toBe(resumeAt + 1);
    expect(later.map((e) => e.seq)).toEqual(later.map((_, i) => i + resumeAt + 1));
    expect(deltaText(later)).toBe(deltaText(ref.filter((e) => e.seq > resumeAt)));
    expect(deltaText(ref.filter((e) => e.seq <= resumeAt)) + deltaText(later)).toBe(answer.text);
  });

  it('publishes the first delta of an answer that arrives in one read before the rest is parsed', async () => {
    // Unpaced: the whole answer reaches the server at once and is parsed in one go.
    const f = await setup({ emulator: { replyWords: 200 } });
    const { data } = await f.store.createConversation(USER, 'First word');
    const live = await f.service.subscribe(USER, data.id, { signal: AbortSignal.timeout(5_000) });
    const sent = await f.service.send(USER, { conversationId: data.id, text: 'Say a lot' });
    const events = await drain(live);
    const answer = await f.settled(USER, data.id, sent.assistantMessage.id);

    const deltas = events.flatMap((e) => (e.type === 'TEXT_DELTA' ? [e.delta] : []));
    expect(deltas.join('')).toBe(answer.text);
    // Alone, not coalesced with the 199 words parsed after it.
    expect(countWords(deltas[0] ?? '')).toBe(1);
  });

  it('replays a finished turn to a client that subscribes after it ended', async () => {
    const f = await setup();
    const sent = await f.service.send(USER, { text: 'Quick one' });
    const id = sent.conversation.data.id;
    const answer = await f.settled(USER, id, sent.assistantMessage.id);
    const events = await drain(
      await f.service.subscribe(USER, id, { signal: AbortSignal.timeout(5_000) }),
    );
    expect(events[0]).toMatchObject({ type: 'TEXT_CREATED', seq: 1 });
    expect(deltaText(events)).toBe(answer.text);
    expect(events.at(-1)).toMatchObject({ type: 'TEXT_DONE', responseId: answer.response_id });
  });

  it('completes 100 concurrent turns in 100 conversations, each message stored once', async () => {
    const f = await setup({ emulator: { replyWords: 8 } });
    const users = ['alice', 'bob', 'carol', 'dave'];
    const sends = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const username = users[i % users.length] as string;
        return f.service
          .send(username, { text: `Question number ${i}` })
          .then((sent) => ({ username, sent }));
      }),
    );
    const answers = await Promise.all(
      sends.map(({ username, sent }) =>
        f.settled(username, sent.conversation.data.id, sent.assistantMessage.id),
      ),
    );
    expect(answers.every((a) => a.status === 'COMPLETE' && countWords(a.text) === 8)).toBe(true);
    expect(f.emulator.requests()).toHaveLength(100);

    // Read back from disk through a fresh store.
    await f.store.close();
    const reopened = new JsonConversationStore({ dataDir: f.dataDir });
    const seen = new Set<string>();
    for (const username of users) {
      const summaries = await reopened.listConversations(username);
      expect(summaries).toHaveLength(25);
      for (const summary of summaries) {
        const conversation = await reopened.getConversation(username, summary.data.id);
        const messages = conversation?.messages ?? [];
        expect(messages.map((m) => [m.role, m.status])).toEqual([
          ['user', 'COMPLETE'],
          ['assistant', 'COMPLETE'],
        ]);
        expect(conversation?.last_response_id).toBe(messages[1]?.response_id);
        for (const message of messages) seen.add(message.id);
      }
    }
    expect(seen.size).toBe(200);
    await reopened.close();
  });
});
