import { describe, expect, it } from 'vitest';
import { AnswerRate } from '../../src/services/chat/answer-rate.js';
import { RateLimitedError } from '../../src/services/errors.js';

const HOUR = 3_600_000;

function fakeClock(start = 1_000) {
  let now = start;
  return {
    read: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('AnswerRate', () => {
  it('allows a burst of the hour, then one each 3600/limit seconds', () => {
    const clock = fakeClock();
    const rate = new AnswerRate(4, clock.read);
    for (let i = 0; i < 4; i++) rate.take('alice');
    expect(() => rate.take('alice')).toThrow(RateLimitedError);
    // A quarter of an hour brings one back: 4 an hour.
    clock.advance(HOUR / 4 - 1);
    expect(() => rate.take('alice')).toThrow(RateLimitedError);
    clock.advance(1);
    rate.take('alice');
    expect(() => rate.take('alice')).toThrow(RateLimitedError);
  });

  it('says how long until the next, and its limit', () => {
    const clock = fakeClock();
    const rate = new AnswerRate(2, clock.read);
    rate.take('alice');
    rate.take('alice');
    clock.advance(600_000);
    // Half an hour each; ten minutes into it, twenty are left.
    let refusal: unknown;
    try {
      rate.take('alice');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 2, period: 'HOUR', retryAfterSeconds: 1_200 },
    });
    expect((refusal as Error).message).toBe(
      'Too many answers this hour (at most 2): try again in 1200 s',
    );
    // Never "0 s" in the last moment of a wait.
    clock.advance(1_200_000 - 1);
    expect(() => rate.take('alice')).toThrow(/try again in 1 s/);
  });

  it('keeps each user apart', () => {
    const rate = new AnswerRate(1, fakeClock().read);
    rate.take('alice');
    expect(() => rate.take('alice')).toThrow(RateLimitedError);
    rate.take('bob');
  });

  it('gives back an answer that never reached the model, once, up to the limit', () => {
    const clock = fakeClock();
    const rate = new AnswerRate(2, clock.read);
    const refund = rate.take('alice');
    refund();
    refund();
    rate.take('alice');
    rate.take('alice');
    expect(() => rate.take('alice')).toThrow(RateLimitedError);
    // A refund when the bucket has refilled meanwhile does not raise it over the limit.
    const late = new AnswerRate(2, clock.read);
    const give = late.take('bob');
    clock.advance(HOUR);
    give();
    late.take('bob');
    late.take('bob');
    expect(() => late.take('bob')).toThrow(RateLimitedError);
  });

  it('does not refill for a clock that went back, nor lose what it had', () => {
    const clock = fakeClock(HOUR);
    const rate = new AnswerRate(2, clock.read);
    rate.take('alice');
    clock.advance(-HOUR / 2);
    rate.take('alice');
    expect(() => rate.take('alice')).toThrow(RateLimitedError);
    clock.advance(HOUR / 2);
    rate.take('alice');
  });

  it('limits nothing at zero', () => {
    const rate = new AnswerRate(0, fakeClock().read);
    for (let i = 0; i < 10_000; i++) rate.take('alice');
  });
});
