import { RateLimitedError } from '../errors.js';

/**
 * Each user's answers streaming at once, up to a limit: a script looping on a leaked token, or
 * a client gone wrong, could otherwise open thousands, each a model request on the operator's
 * bill. Zero is no limit.
 */
export class AnswerQuota {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /**
   * Takes one of the user's slots, or throws RATE_LIMITED; the function returned gives it back,
   * once however often it is called.
   */
  take(username: string): () => void {
    const count = this.counts.get(username) ?? 0;
    if (this.limit > 0 && count >= this.limit) {
      throw new RateLimitedError(
        `Too many answers streaming at once (at most ${this.limit}): wait for one to finish`,
        { limit: this.limit },
      );
    }
    this.counts.set(username, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.counts.get(username) ?? 1) - 1;
      if (left > 0) this.counts.set(username, left);
      else this.counts.delete(username);
    };
  }
}
