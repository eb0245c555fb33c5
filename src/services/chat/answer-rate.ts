import { RateLimitedError } from '../errors.js';

const HOUR_MS = 3_600_000;

interface Bucket {
  tokens: number;
  /** `clock()` when `tokens` was last brought up to date. */
  at: number;
}

/**
 * Each user's answers started over time: a bucket of `perHour` that refills steadily, so a user
 * may start that many at once and then one every `3600 / perHour` seconds. The cap on answers
 * at once bounds a runaway client's spend per minute; this bounds it per day. Zero is no limit.
 *
 * The clock is monotonic, so a stepped wall clock neither refills nor empties a bucket. One
 * entry per user who asked, and users are the operator's: the map stays small.
 */
export class AnswerRate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perHour: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * Takes one of the user's answers, or throws RATE_LIMITED with the seconds until the next;
   * the function returned gives it back, for an answer that never reached the model (its send
   * was refused, or could not be stored), once however often it is called.
   */
  take(username: string): () => void {
    if (this.perHour <= 0) return () => {};
    const bucket = this.current(username);
    if (bucket.tokens < 1) {
      // To the millisecond first: fractions of a token would make a whole wait read a second more.
      const waitMs = Math.round(((1 - bucket.tokens) * HOUR_MS) / this.perHour);
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new RateLimitedError(
        `Too many answers this hour (at most ${this.perHour}): try again in ${retryAfterSeconds} s`,
        { limit: this.perHour, period: 'HOUR', retryAfterSeconds },
      );
    }
    bucket.tokens -= 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const now = this.current(username);
      now.tokens = Math.min(this.perHour, now.tokens + 1);
    };
  }

  /** The user's bucket, refilled for the time since it was last read. */
  private current(username: string): Bucket {
    const now = this.clock();
    const bucket = this.buckets.get(username);
    if (!bucket) {
      const full = { tokens: this.perHour, at: now };
      this.buckets.set(username, full);
      return full;
    }
    const refill = (Math.max(0, now - bucket.at) * this.perHour) / HOUR_MS;
    bucket.tokens = Math.min(this.perHour, bucket.tokens + refill);
    bucket.at = now;
    return bucket;
  }
}
