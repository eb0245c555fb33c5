/** The body every API error carries: `{ error: { message, type, param, code } }`. */
export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error answered with the API's status and error shape; thrown by handlers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

export const invalidRequest = (
  message: string,
  param: string | null = null,
  code: string | null = null,
) => new ApiError(400, message, 'invalid_request_error', param, code);

export const notFound = (
  message: string,
  param: string | null = null,
  code: string | null = null,
) => new ApiError(404, message, 'invalid_request_error', param, code);

export const incorrectApiKey = () =>
  new ApiError(
    401,
    'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    'invalid_request_error',
    null,
    'invalid_api_key',
  );

export const invalidType = (param: string, expected: string, value: unknown) =>
  invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    param,
    'invalid_type',
  );

export const previousResponseNotFound = (id: string) =>
  invalidRequest(
    `Previous response with id '${id}' not found.`,
    'previous_response_id',
    'previous_response_not_found',
  );

/** The API's wording for a JSON value's type ("a string", "an array", ...). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return `a ${typeof value}`;
}
