import { describe, expect, it } from 'vitest';
import { blankRecord } from '../../src/emulator/responses.js';
import { EmulatorState } from '../../src/emulator/state.js';
import { silentLogger } from '../../src/logger.js';

describe('the request log', () => {
  it('keeps the latest 1,000 requests, as a long-running emulator must not grow', () => {
    const state = new EmulatorState(
      { tokensPerSecond: 0, replyWords: 1, stampDeltas: false, hold: false },
      silentLogger,
    );
    for (let i = 0; i < 1_005; i++) {
      state.record({ ...blankRecord(), id: `resp_${i}` });
    }
    expect(state.requestLog).toHaveLength(1_000);
    expect(state.requestLog[0]?.id).toBe('resp_5');
    expect(state.requestLog.at(-1)?.id).toBe('resp_1004');
  });
});
