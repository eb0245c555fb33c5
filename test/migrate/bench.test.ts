import { describe, expect, it } from 'vitest';
import { benchMigration } from '../../bench/migration.js';

describe('migration benchmark', () => {
  it('migrates the whole generated set and reports its rates', async () => {
    const result = await benchMigration({ threads: 30, messagesPerThread: 7, users: 3 });
    expect(result).toMatchObject({ threads: 30, messages: 210 });
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.messagesPerSecond / result.threadsPerSecond).toBeCloseTo(7, 1);
    expect(result.peakRssMiB).toBeGreaterThan(0);
  });
});
