/** Small checks on untrusted values, shared by the store, the compat layer and the migration. */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An error's message without its stack, for logs and reports. */
export const errorReason = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
