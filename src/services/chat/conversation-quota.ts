import { QuotaExceededError } from '../errors.js';
import type { ConversationStore } from '../types.js';
import { UserCounts } from './user-counts.js';

/**
 * The most conversations one user may hold. A new one costs the model nothing, so only this
 * bounds how many a script (or a client gone wrong) can make, and each one held makes that
 * user's listing and writes slower and their files larger. Zero is no limit; a migration is not
 * held to it (nothing is left out of an import).
 */
export class ConversationQuota {
  /** New conversations let through and not stored yet, per user. */
  private readonly admitted = new UserCounts();

  constructor(
    private readonly limit: number,
    private readonly store: ConversationStore,
  ) {}

  /**
   * Takes a place for one new conversation of the user's, or throws QUOTA_EXCEEDED; the
   * function returned gives it back once the conversation is stored (or failed to be), once
   * however often it is called.
   */
  async take(username: string): Promise<() => void> {
    if (this.limit <= 0) return () => {};
    const held = await this.store.countConversations(username);
    // From here to the count's update, no await: of two makes that read the same count, the
    // second sees the first let through, and only one takes the last place.
    const admitted = this.admitted.get(username);
    if (held + admitted >= this.limit) {
      throw new QuotaExceededError(
        `You have ${held + admitted} conversations, the most allowed is ${this.limit}: delete some to start another`,
        { limit: this.limit },
      );
    }
    return this.admitted.add(username);
  }
}
