import { describe, expect, it } from 'vitest';
import { ChainHealth } from '../../src/services/chat/chain-health.js';

describe('ChainHealth', () => {
  it('pauses chaining after two fresh misses in a row, for ten minutes', () => {
    let now = 0;
    const chain = new ChainHealth(() => now);
    expect(chain.missing(5)).toBe(false);
    expect(chain.usable).toBe(true);
    expect(chain.missing(5)).toBe(true);
    expect(chain.usable).toBe(false);
    now += 10 * 60_000 - 1;
    expect(chain.usable).toBe(false);
    now += 1;
    expect(chain.usable).toBe(true);
  });

  it('does not count old responses (they expire) and forgets a miss once a chain works', () => {
    const chain = new ChainHealth(() => 0);
    expect(chain.missing(31 * 24 * 3600)).toBe(false);
    expect(chain.missing(31 * 24 * 3600)).toBe(false);
    expect(chain.missing(1)).toBe(false);
    chain.found();
    expect(chain.missing(1)).toBe(false);
    expect(chain.usable).toBe(true);
  });
});
