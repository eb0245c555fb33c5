/** Small checks on untrusted values, shared by the store, the compat layer and the migration. */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The most seconds from 1970 a JavaScript Date can hold, either way (±100,000,000 days). */
const MAX_UNIX_SECONDS = 8.64e12;

/** A time in Unix seconds that a Date (and so an ISO-8601 string) can represent. */
export const isUnixTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_UNIX_SECONDS;

/**
 * An error's message without its stack, for logs and reports, with its cause's when it has
 * one (a storage error's system error: "no space left on device").
 */
export function errorReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return cause && !error.message.includes(cause) ? `${error.message}: ${cause}` : error.message;
}
