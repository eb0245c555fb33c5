/**
 * Whether chaining by `previous_response_id` works with this upstream. A chain the server made
 * minutes ago that the upstream cannot find means it keeps no responses (`store` disabled, a
 * provider without stored responses); then every chained turn would cost a rejected request
 * before the full-history resend. One fresh miss can be a single lost response, so the turn
 * after it still chains; after two in a row, turns send the history directly for a while, then
 * try the chain again in case the upstream changed.
 */

/** A response younger than this should still be stored anywhere that stores responses. */
const FRESH_SECONDS = 15 * 60;
const PAUSE_MS = 10 * 60_000;
const MISSES_TO_PAUSE = 2;

export class ChainHealth {
  #pausedUntil = 0;
  #freshMisses = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get usable(): boolean {
    return this.#now() >= this.#pausedUntil;
  }

  /** A chained request was accepted. */
  found(): void {
    this.#freshMisses = 0;
  }

  /**
   * Records that a chain made `ageSeconds` ago was not found. Returns true when this pauses
   * chaining (fresh responses keep going missing, so the upstream does not keep them).
   */
  missing(ageSeconds: number): boolean {
    if (!(ageSeconds >= 0 && ageSeconds < FRESH_SECONDS)) return false;
    this.#freshMisses++;
    if (this.#freshMisses < MISSES_TO_PAUSE) return false;
    this.#freshMisses = 0;
    this.#pausedUntil = this.#now() + PAUSE_MS;
    return true;
  }
}
