import type { TypedDocumentString } from '../gql/graphql.js';
import { ApiError, type GraphQLErrorLike } from './errors.js';

interface ExecutionResult<T> {
  data?: T | null;
  errors?: GraphQLErrorLike[];
}

export type Request = <Result, Variables>(
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
) => Promise<Result>;

export interface HttpClientOptions {
  /** GraphQL endpoint. */
  url: string;
  /** Read on every request, so a new token applies at once. */
  token: () => string | null;
}

/** Queries and mutations as plain fetch POSTs; the documents are already strings. */
export function createHttpClient({ url, token }: HttpClientOptions): Request {
  return async function request<Result, Variables>(
    document: TypedDocumentString<Result, Variables>,
    variables: Variables,
  ): Promise<Result> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;

    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: document.toString(), variables }),
      });
    } catch (cause) {
      throw new ApiError('NETWORK', 'Cannot reach the server. Check your connection.', { cause });
    }

    const body = (await response.json().catch(() => null)) as ExecutionResult<Result> | null;
    const firstError = body?.errors?.[0];
    if (firstError) throw ApiError.fromGraphQL(firstError);
    if (response.status === 401)
      throw new ApiError('UNAUTHENTICATED', 'A valid token is required.');
    if (!response.ok || !body?.data) {
      throw new ApiError('INTERNAL', `The server answered with status ${response.status}.`);
    }
    return body.data;
  };
}
