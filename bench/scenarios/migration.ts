/**
 * Scenario 5. Migration throughput, measured by `benchMigration` (bench/migration.ts), which
 * lives with the migration code. It runs in this process and reports this process's peak RSS,
 * so the harness runs it first.
 */
import { benchMigration, type MigrationBenchResult } from '../migration.js';

/** Quick mode migrates a quarter of the default legacy set. */
export function benchMigrationThroughput(quick: boolean): Promise<MigrationBenchResult> {
  return benchMigration(quick ? { threads: 500 } : {});
}
