import { performance } from 'node:perf_hooks';
import { setImmediate as nextTick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriberOverflowError } from '../../src/services/chat/subscription.js';
import { ReplayGapError, StreamHub, type StreamHubOptions } from '../../src/services/stream-hub.js';
import type { ChatEvent } from '../../src/services/types.js';

const OWNER = 'alice';
const hubs: StreamHub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

function makeHub(options: Partial<StreamHubOptions> = {}): StreamHub {
  const hub = new StreamHub({ replayTtlMs: 60_000, ...options });
  hubs.push(hub);
  return hub;
}

/** Publishes each delta in its own tick, so none are coalesced. */
async function publishDeltas(publish: (delta: string) => void, deltas: string[]) {
  for (const delta of deltas) {
    publish(delta);
    await nextTick();
  }
}

async function collect(iterable: AsyncIterable<ChatEvent>, until: (e: ChatEvent) => boolean) {
  const events: ChatEvent[] = [];
  for await (const event of iterable) {
    events.push(event);
    if (until(event)) break;
  }
  return events;
}

const isEnd = (event: ChatEvent) => event.type === 'TEXT_DONE' || event.type === 'STREAM_ERROR';
const words = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `w${i + from} `);
const textOf = (events: ChatEvent[]) =>
  events.map((e) => (e.type === 'TEXT_DELTA' ? e.delta : '')).join('');

describe('StreamHub', () => {
  it('numbers events from 1 per message and coalesces deltas of one tick', async () => {
    // No age bound here: a busy machine may stop this process for longer than 5 ms between
    // two of the synchronous publishes below.
    const hub = makeHub({ maxCoalesceMs: 60_000 });
    const live = hub.subscribe(OWNER, 'c1');
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    turn.publish({ type: 'TEXT_CREATED' });
    turn.publish({ type: 'TEXT_DELTA', delta: 'a' });
    turn.publish({ type: 'TEXT_DELTA', delta: 'b' });
    turn.publish({ type: 'TEXT_DELTA', delta: 'c' });
    await nextTick();
    turn.publish({ type: 'TEXT_DELTA', delta: 'd' });
    turn.publish({ type: 'TEXT_DONE', text: 'abcd', responseId: 'r1', usage: null, model: 'x' });

    const events = await collect(live, isEnd);
    expect(events.map((e) => [e.type, e.seq, e.messageId])).toEqual([
      ['TEXT_CREATED', 1, 'm1'],
      ['TEXT_DELTA', 2, 'm1'],
      ['TEXT_DELTA', 3, 'm1'],
      ['TEXT_DONE', 4, 'm1'],
    ]);
    expect(textOf(events)).toBe('abcd');
  });

  /** Subscribers to conversations c1 and c2, then a turn in each. */
  const twoTurns = (hub: StreamHub) => {
    const first = hub.subscribe(OWNER, 'c1');
    const second = hub.subscribe(OWNER, 'c2');
    return {
      first,
      second,
      one: hub.openTurn(OWNER, 'c1', 'm1'),
      two: hub.openTurn(OWNER, 'c2', 'm2'),
    };
  };

  it('coalesces the deltas of many turns in one tick, each turn apart and in order', async () => {
    const hub = makeHub();
    const { first, second, one, two } = twoTurns(hub);
    one.publish({ type: 'TEXT_DELTA', delta: 'a' });
    two.publish({ type: 'TEXT_DELTA', delta: 'x' });
    one.publish({ type: 'TEXT_DELTA', delta: 'b' });
    // A final event publishes its turn's pending delta first.
    two.publish({ type: 'TEXT_DONE', text: 'x', responseId: 'r2', usage: null, model: 'x' });
    one.publish({ type: 'TEXT_DELTA', delta: 'c' });
    await nextTick();
    one.publish({ type: 'TEXT_DELTA', delta: 'd' });
    one.publish({ type: 'TEXT_DONE', text: 'abcd', responseId: 'r1', usage: null, model: 'x' });

    const ones = await collect(first, isEnd);
    expect(ones.map((e) => [e.type, e.seq])).toEqual([
      ['TEXT_DELTA', 1],
      ['TEXT_DELTA', 2],
      ['TEXT_DONE', 3],
    ]);
    expect(ones.flatMap((e) => (e.type === 'TEXT_DELTA' ? [e.delta] : []))).toEqual(['abc', 'd']);
    const twos = await collect(second, isEnd);
    expect(twos.map((e) => [e.type, e.seq])).toEqual([
      ['TEXT_DELTA', 1],
      ['TEXT_DONE', 2],
    ]);
    expect(textOf(twos)).toBe('x');
  });

  it("keeps each owner's streams apart when two owners have a conversation with one id", async () => {
    const hub = makeHub();
    const bobs = hub.subscribe('bob', 'c1');
    const alices = hub.subscribe(OWNER, 'c1');
    const alice = hub.openTurn(OWNER, 'c1', 'm1');
    alice.publish({ type: 'TEXT_DELTA', delta: 'private' });
    alice.publish({
      type: 'TEXT_DONE',
      text: 'private',
      responseId: 'r1',
      usage: null,
      model: 'x',
    });
    const bob = hub.openTurn('bob', 'c1', 'm2');
    bob.publish({ type: 'TEXT_DONE', text: '', responseId: 'r2', usage: null, model: 'x' });

    expect((await collect(alices, isEnd)).map((e) => e.messageId)).toEqual(['m1', 'm1']);
    expect((await collect(bobs, isEnd)).map((e) => [e.messageId, e.type])).toEqual([
      ['m2', 'TEXT_DONE'],
    ]);
    // Nor does a late subscriber replay the other owner's buffered turn.
    const late = hub.subscribe('carol', 'c1', { after: 0 });
    const nothing = await Promise.race([late.next(), nextTick().then(() => 'none')]);
    expect(nothing).toBe('none');
  });

  it('publishes a coalesced delta within the tick once it reaches the size bound', async () => {
    const hub = makeHub({ maxCoalesceChars: 4 });
    const live = hub.subscribe(OWNER, 'c1');
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    for (const delta of ['ab', 'cd', 'ef', 'g']) turn.publish({ type: 'TEXT_DELTA', delta });
    turn.publish({ type: 'TEXT_DONE', text: 'abcdefg', responseId: 'r1', usage: null, model: 'x' });

    const events = await collect(live, isEnd);
    expect(events.flatMap((e) => (e.type === 'TEXT_DELTA' ? [e.delta] : []))).toEqual([
      'abcd',
      'efg',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  /** One long synchronous run, as when the SDK drains an already-buffered response. */
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  it('publishes a waiting delta within the tick once it reaches the age bound', async () => {
    const hub = makeHub({ maxCoalesceMs: 1 });
    const live = hub.subscribe(OWNER, 'c1');
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    turn.publish({ type: 'TEXT_DELTA', delta: 'a' });
    busy(2);
    turn.publish({ type: 'TEXT_DELTA', delta: 'b' });
    turn.publish({ type: 'TEXT_DELTA', delta: 'c' });
    turn.publish({ type: 'TEXT_DONE', text: 'abc', responseId: 'r1', usage: null, model: 'x' });

    const events = await collect(live, isEnd);
    expect(events.flatMap((e) => (e.type === 'TEXT_DELTA' ? [e.delta] : []))).toEqual(['a', 'bc']);
  });

  it("another turn's delta publishes every waiting one past the age bound, before the tick ends", async () => {
    const hub = makeHub({ maxCoalesceMs: 1 });
    const { first, second, one: a, two: b } = twoTurns(hub);
    a.publish({ type: 'TEXT_DELTA', delta: 'a' });
    b.publish({ type: 'TEXT_DELTA', delta: 'x' });
    busy(2);
    b.publish({ type: 'TEXT_DELTA', delta: 'y' });
    // Right after, with no await between: the newer delta, not yet at the bound, waits.
    b.publish({ type: 'TEXT_DELTA', delta: 'z' });
    // Already queued, not waiting for the immediate at the end of the tick.
    const notYet = Symbol('not yet');
    const settled = <T>(result: Promise<T>) => Promise.race([result, Promise.resolve(notYet)]);
    expect(await settled(first.next())).toMatchObject({ value: { delta: 'a', seq: 1 } });
    expect(await settled(second.next())).toMatchObject({ value: { delta: 'x', seq: 1 } });
    // The newer deltas still wait for the tick to end, coalesced.
    const next = second.next();
    expect(await settled(next)).toBe(notYet);
    expect(await next).toMatchObject({ value: { delta: 'yz', seq: 2 } });
    hub.close();
  });

  it('replays a running turn to late subscribers exactly once, from any seq', async () => {
    const hub = makeHub();
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    const publish = (delta: string) => turn.publish({ type: 'TEXT_DELTA', delta });
    const all = words(100);
    await publishDeltas(publish, all.slice(0, 50));

    const fromStart = hub.subscribe(OWNER, 'c1', { after: 0 });
    const from37 = hub.subscribe(OWNER, 'c1', { after: 37, messageId: 'm1' });
    await publishDeltas(publish, all.slice(50));
    turn.publish({
      type: 'TEXT_DONE',
      text: all.join(''),
      responseId: 'r',
      usage: null,
      model: 'x',
    });

    const a = await collect(fromStart, isEnd);
    expect(a.map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(textOf(a)).toBe(all.join(''));

    const b = await collect(from37, isEnd);
    expect(b[0]?.seq).toBe(38);
    expect(b.map((e) => e.seq)).toEqual(Array.from({ length: 64 }, (_, i) => i + 38));
    expect(textOf(b)).toBe(all.slice(37).join(''));
  });

  it('replays a finished turn, then later turns whole, then live events', async () => {
    const hub = makeHub();
    const first = hub.openTurn(OWNER, 'c1', 'm1');
    first.publish({ type: 'TEXT_CREATED' });
    await publishDeltas((d) => first.publish({ type: 'TEXT_DELTA', delta: d }), ['x', 'y']);
    first.publish({ type: 'TEXT_DONE', text: 'xy', responseId: 'r1', usage: null, model: 'x' });
    const second = hub.openTurn(OWNER, 'c1', 'm2');
    second.publish({ type: 'TEXT_CREATED' });

    const sub = hub.subscribe(OWNER, 'c1', { after: 2, messageId: 'm1' });
    second.publish({
      type: 'STREAM_ERROR',
      code: 'ABORTED',
      message: 'stopped',
      partialText: '',
      retryable: false,
      status: 'INCOMPLETE',
    });
    const events = await collect(sub, (e) => e.messageId === 'm2' && isEnd(e));
    expect(events.map((e) => `${e.messageId}:${e.seq}:${e.type}`)).toEqual([
      'm1:3:TEXT_DELTA',
      'm1:4:TEXT_DONE',
      'm2:1:TEXT_CREATED',
      'm2:2:STREAM_ERROR',
    ]);
  });

  it('ends a subscription when its signal aborts', async () => {
    const hub = makeHub();
    const controller = new AbortController();
    const sub = hub.subscribe(OWNER, 'c1', { signal: controller.signal });
    const next = sub.next();
    controller.abort();
    await expect(next).resolves.toEqual({ value: undefined, done: true });
  });

  it('calls onEnd once, however the subscription ends', async () => {
    const hub = makeHub({ maxTurnEvents: 1 });
    const ends: string[] = [];
    const onEnd = (name: string) => () => ends.push(name);

    const aborted = new AbortController();
    const byAbort = hub.subscribe(OWNER, 'c1', { signal: aborted.signal, onEnd: onEnd('abort') });
    const byReturn = hub.subscribe(OWNER, 'c1', { onEnd: onEnd('return') });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(3));
    expect(ends).toEqual([]);

    aborted.abort();
    await byReturn.return?.();
    await byReturn.return?.();
    // Already aborted, and a replay gap: both end before subscribe returns.
    hub.subscribe(OWNER, 'c1', { signal: aborted.signal, onEnd: onEnd('pre-aborted') });
    hub.subscribe(OWNER, 'c1', { after: 1, onEnd: onEnd('gap') });
    expect(ends).toEqual(['abort', 'return', 'pre-aborted', 'gap']);
    // An aborted subscription still hands over what it had queued, then ends.
    expect(textOf(await collect(byAbort, () => false))).toBe('w1 w2 w3 ');
    expect(ends).toHaveLength(4);
  });

  it('ends a consumer that falls too far behind; a new one from the start gets every event', async () => {
    const hub = makeHub({ maxQueuedEvents: 5 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    const slow = hub.subscribe(OWNER, 'c1');
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(10));
    await expect(slow.next()).rejects.toBeInstanceOf(SubscriberOverflowError);

    // Following the answer from its start (as after rereading the conversation): all, in order.
    const again = hub.subscribe(OWNER, 'c1', { after: 0, messageId: 'm1' });
    turn.publish({ type: 'TEXT_DONE', text: '', responseId: 'r', usage: null, model: 'x' });
    const events = await collect(again, isEnd);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });

  it('bounds the replay buffer and reports a gap instead of skipping events', async () => {
    const hub = makeHub({ maxTurnEvents: 10 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(25));
    await expect(hub.subscribe(OWNER, 'c1', { after: 3 }).next()).rejects.toBeInstanceOf(
      ReplayGapError,
    );
    const recent = hub.subscribe(OWNER, 'c1', { after: 20 });
    turn.publish({ type: 'TEXT_DONE', text: '', responseId: 'r', usage: null, model: 'x' });
    const events = await collect(recent, isEnd);
    expect(events.map((e) => e.seq)).toEqual([21, 22, 23, 24, 25, 26]);
  });

  it('replays a long answer whole from its start: the dropped deltas as one, with the last dropped seq', async () => {
    const hub = makeHub({ maxTurnEvents: 10 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    turn.publish({ type: 'TEXT_CREATED' });
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(30));
    const whole = words(30).join('');
    const fromStart = hub.subscribe(OWNER, 'c1');
    // Saw TEXT_CREATED only: everything after it.
    const afterCreated = hub.subscribe(OWNER, 'c1', { after: 1, messageId: 'm1' });
    // Saw part of what was dropped: its place in the merged text is unknown.
    await expect(hub.subscribe(OWNER, 'c1', { after: 2 }).next()).rejects.toBeInstanceOf(
      ReplayGapError,
    );
    turn.publish({ type: 'TEXT_DONE', text: whole, responseId: 'r', usage: null, model: 'x' });

    const events = await collect(fromStart, isEnd);
    // seq 1 TEXT_CREATED, 2..31 the deltas: 10 kept, so 1..21 were dropped at the subscribe.
    expect(events.map((e) => `${e.type} ${e.seq}`).slice(0, 3)).toEqual([
      'TEXT_CREATED 1',
      'TEXT_DELTA 21',
      'TEXT_DELTA 22',
    ]);
    expect(events.map((e) => e.seq).slice(1)).toEqual(Array.from({ length: 12 }, (_, i) => 21 + i));
    expect(textOf(events)).toBe(whole);
    const rest = await collect(afterCreated, isEnd);
    expect(rest[0]?.seq).toBe(21);
    expect(textOf(rest)).toBe(whole);
  });

  it('keeps a finished long answer whole: its final text is not counted twice', async () => {
    // 30 words, 111 characters: 4 kept events (416 bytes) and 95 dropped characters (190)
    // make 606 bytes; the final event adds 318 and pushes one more delta out (-96). That is
    // 638 bytes if the dropped text becomes a part of the final text, 828 if it is a copy.
    const hub = makeHub({ maxTurnEvents: 4, maxTurnBytes: 700 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(30));
    const whole = words(30).join('');
    turn.publish({ type: 'TEXT_DONE', text: whole, responseId: 'r', usage: null, model: 'x' });
    const events = await collect(hub.subscribe(OWNER, 'c1'), isEnd);
    expect(events[0]?.seq).toBe(27);
    expect(textOf(events)).toBe(whole);
  });

  it('replays a finished answer of 2.4 million characters whole, under the default bounds', async () => {
    // Every delta its own event: 12,000 of 200 characters, over the 10,000 kept. Its final
    // text would be a second copy of it all (4.8 MB), over the 8 MiB bound with the deltas.
    const hub = makeHub({ maxCoalesceChars: 1 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    turn.publish({ type: 'TEXT_CREATED' });
    const delta = `${'x'.repeat(199)} `;
    for (let i = 0; i < 12_000; i++) turn.publish({ type: 'TEXT_DELTA', delta });
    const whole = delta.repeat(12_000);
    turn.publish({ type: 'TEXT_DONE', text: whole, responseId: 'r', usage: null, model: 'x' });
    const events = await collect(hub.subscribe(OWNER, 'c1'), isEnd);
    expect(events[0]?.type).toBe('TEXT_CREATED');
    expect(textOf(events)).toBe(whole);
  });

  it('gives up the dropped text, and replays with a gap, once it passes the byte bound', async () => {
    // 96 bytes per kept event plus two per character, kept or dropped: nine words take 438
    // bytes (4 kept, 5 dropped), eleven 454, over the bound, so the dropped text goes.
    const hub = makeHub({ maxTurnEvents: 4, maxTurnBytes: 450 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(9));
    expect(textOf(await collect(hub.subscribe(OWNER, 'c1'), (e) => e.seq === 9))).toBe(
      words(9).join(''),
    );
    await publishDeltas((d) => turn.publish({ type: 'TEXT_DELTA', delta: d }), words(3, 10));
    await expect(hub.subscribe(OWNER, 'c1').next()).rejects.toBeInstanceOf(ReplayGapError);
    const recent = hub.subscribe(OWNER, 'c1', { after: 10 });
    turn.publish({ type: 'TEXT_DONE', text: '', responseId: 'r', usage: null, model: 'x' });
    expect((await collect(recent, isEnd)).map((e) => e.seq)).toEqual([11, 12, 13]);
  });

  it('reports a gap for an `after` the latest turn has not reached: it was a seq of an earlier turn', async () => {
    const hub = makeHub();
    await expect(hub.subscribe(OWNER, 'c1', { after: 4 }).next()).rejects.toBeInstanceOf(
      ReplayGapError,
    );
    const turn = hub.openTurn(OWNER, 'c1', 'm2');
    turn.publish({ type: 'TEXT_CREATED' });
    turn.publish({ type: 'TEXT_DELTA', delta: 'a' });
    await nextTick();
    await expect(hub.subscribe(OWNER, 'c1', { after: 5 }).next()).rejects.toBeInstanceOf(
      ReplayGapError,
    );
    // At the latest seq exactly: nothing is missed, the stream goes on live.
    const current = hub.subscribe(OWNER, 'c1', { after: 2 });
    turn.publish({ type: 'TEXT_DELTA', delta: 'b' });
    turn.publish({ type: 'TEXT_DONE', text: 'ab', responseId: 'r', usage: null, model: 'x' });
    expect((await collect(current, isEnd)).map((e) => e.seq)).toEqual([3, 4]);
  });

  it('reports a gap for an `after` without its turn once a newer turn is buffered', async () => {
    const hub = makeHub();
    const first = hub.openTurn(OWNER, 'c1', 'm1');
    await publishDeltas((d) => first.publish({ type: 'TEXT_DELTA', delta: d }), words(7));
    first.publish({ type: 'TEXT_DONE', text: '', responseId: 'r1', usage: null, model: 'x' });
    const second = hub.openTurn(OWNER, 'c1', 'm2');
    await publishDeltas((d) => second.publish({ type: 'TEXT_DELTA', delta: d }), words(9));
    // seq 7 was m1's last; read as m2's, m2's first seven deltas would never be sent.
    await expect(hub.subscribe(OWNER, 'c1', { after: 7 }).next()).rejects.toBeInstanceOf(
      ReplayGapError,
    );
    // Named, it is exact: m1 is over, so m2 whole.
    const named = hub.subscribe(OWNER, 'c1', { after: 8, messageId: 'm1' });
    second.publish({ type: 'TEXT_DONE', text: '', responseId: 'r2', usage: null, model: 'x' });
    const events = await collect(named, (e) => e.messageId === 'm2' && isEnd(e));
    expect(events.map((e) => `${e.messageId}:${e.seq}`)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m2:${i + 1}`),
    );
    // Without `after`, the latest turn from its start, as before.
    const latest = await collect(hub.subscribe(OWNER, 'c1'), isEnd);
    expect(latest.map((e) => e.messageId)).toEqual(Array(10).fill('m2'));
  });

  it('reports a gap for an `after` beyond what the named turn has reached, not a replay of seen events', async () => {
    const hub = makeHub();
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    turn.publish({ type: 'TEXT_CREATED' });
    turn.publish({ type: 'TEXT_DELTA', delta: 'a' });
    await nextTick();
    await expect(
      hub.subscribe(OWNER, 'c1', { messageId: 'm1', after: 40 }).next(),
    ).rejects.toBeInstanceOf(ReplayGapError);
    const current = hub.subscribe(OWNER, 'c1', { messageId: 'm1', after: 2 });
    turn.publish({ type: 'TEXT_DELTA', delta: 'b' });
    turn.publish({ type: 'TEXT_DONE', text: 'ab', responseId: 'r', usage: null, model: 'x' });
    expect((await collect(current, isEnd)).map((e) => e.seq)).toEqual([3, 4]);
  });

  it('forgets finished turns after the replay TTL', async () => {
    const hub = makeHub({ replayTtlMs: 30 });
    const turn = hub.openTurn(OWNER, 'c1', 'm1');
    turn.publish({ type: 'TEXT_CREATED' });
    turn.publish({ type: 'TEXT_DONE', text: '', responseId: 'r', usage: null, model: 'x' });
    const deadline = Date.now() + 2_000;
    let replayed = 1;
    while (replayed > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const controller = new AbortController();
      const sub = hub.subscribe(OWNER, 'c1', { signal: controller.signal });
      controller.abort();
      replayed = (await collect(sub, () => false)).length;
    }
    expect(replayed).toBe(0);
    // A client that names that turn learns that its end may be gone, rather than nothing: one
    // that saw part of it, and one that saw none of it (live, it would wait for an end that
    // came already).
    for (const after of [1, 0]) {
      await expect(
        hub.subscribe(OWNER, 'c1', { messageId: 'm1', after }).next(),
      ).rejects.toBeInstanceOf(ReplayGapError);
    }
  });
});
