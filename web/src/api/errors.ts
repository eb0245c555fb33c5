/** Codes the server sets in `extensions.code` that the app acts on. */
const SERVER_CODES = [
  'UNAUTHENTICATED',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  // The user holds the most conversations allowed: one must go before another is made.
  'QUOTA_EXCEEDED',
  'UPSTREAM_UNAVAILABLE',
  // A stream ended because its replay is gone or the page fell behind: read and follow again.
  'REPLAY_GAP',
  'SUBSCRIBER_OVERFLOW',
  // Refused before it ran (too large, over a limit): the same request fails the same way.
  'BAD_REQUEST',
  'TOO_MANY_OPERATIONS',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
] as const;

/** A server code, NETWORK for a request that never landed, or INTERNAL for anything else. */
export type ApiErrorCode = (typeof SERVER_CODES)[number] | 'NETWORK' | 'INTERNAL';

const knownCodes = new Set<string>(SERVER_CODES);

/** Trying again later may succeed for these; the others need the user to change something. */
const retryableCodes = new Set<ApiErrorCode>([
  'REPLAY_GAP',
  'SUBSCRIBER_OVERFLOW',
  'CONFLICT',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'NETWORK',
  'INTERNAL',
]);

export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: unknown; [key: string]: unknown };
}

export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }

  static fromGraphQL(error: GraphQLErrorLike): ApiError {
    const code = error.extensions?.code;
    return typeof code === 'string' && knownCodes.has(code)
      ? new ApiError(code as ApiErrorCode, error.message)
      : new ApiError('INTERNAL', 'Something went wrong on the server.');
  }
}

/** Normalises whatever a request or subscription rejected with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (Array.isArray(error) && error.length > 0) return ApiError.fromGraphQL(error[0]);
  return new ApiError('NETWORK', 'Cannot reach the server.', { cause: error });
}
