import { RateLimitedError } from '../errors.js';
import { UserCounts } from './user-counts.js';

/**
 * Each user's answers streaming at once, up to a limit: a script looping on a leaked token, or
 * a client gone wrong, could otherwise open thousands, each a model request on the operator's
 * bill. Zero is no limit.
 */
export class AnswerQuota {
  private readonly streaming = new UserCounts();

  constructor(private readonly limit: number) {}

  /**
   * Takes one of the user's slots, or throws RATE_LIMITED; the function returned gives it back,
   * once however often it is called.
   */
  take(username: string): () => void {
    if (this.limit > 0 && this.streaming.get(username) >= this.limit) {
      throw new RateLimitedError(
        `Too many answers streaming at once (at most ${this.limit}): wait for one to finish`,
        { limit: this.limit },
      );
    }
    return this.streaming.add(username);
  }
}
