/**
 * Yoga refuses some requests with an empty body (415 for a content type it does not read, 406
 * for an Accept header it cannot answer), and a GET whose variables or extensions are not JSON
 * with a 500. Every refusal here becomes what the API promises:
 * `{ errors: [{ message, extensions: { code } }] }`. (The parser's error that yoga attaches to
 * a body that is not JSON is taken out by the error mask, `schema/errors.ts`.)
 */
import { createGraphQLError, isAsyncIterable, type Plugin } from 'graphql-yoga';

const REFUSED = new Set([400, 406, 413, 415]);
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

export function codedRefusals(): Plugin {
  return {
    // Yoga parses these with a bare JSON.parse, whose error would be an unexpected 500.
    onRequestParse({ request, url }) {
      if (request.method !== 'GET') return;
      for (const name of ['variables', 'extensions']) {
        const value = url.searchParams.get(name);
        if (value && !isJson(value)) {
          throw createGraphQLError(`The ${name} parameter is not valid JSON`, {
            extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
          });
        }
      }
    },
    // A subscription over HTTP whose Accept names no stream type is refused (406) only after
    // it has started, and yoga drops the stream without ending it: its listener, token check
    // and queue would stay for good. Ended here, where yoga has found no way to send it.
    onResultProcess({ result, resultProcessor }) {
      if (!resultProcessor && isAsyncIterable(result)) {
        void result[Symbol.asyncIterator]().return?.();
      }
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (!REFUSED.has(response.status)) return;
      const text = await response.clone().text();
      if (text !== '') return;
      const body = emptyRefusal(response);
      // In a JSON type the client accepts (GraphQL over HTTP prefers its own). Set in every
      // case: a copy of the headers does not always carry the type over.
      const original = response.headers.get('content-type') ?? '';
      const accepted = request.headers.get('accept') ?? '';
      const type = /json/.test(original)
        ? original
        : `${accepted.includes(GRAPHQL_RESPONSE) ? GRAPHQL_RESPONSE : 'application/json'}; charset=utf-8`;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', type);
      headers.delete('content-length');
      setResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: response.status,
          statusText: response.statusText,
          headers,
        }),
      );
    },
  };
}

function emptyRefusal(response: Response) {
  const message =
    response.status === 415
      ? 'Send the request body as application/json'
      : response.status === 406
        ? `The Accept header names no type this request can be answered with (${response.headers.get('accept') ?? 'see the API documentation'})`
        : 'The request was refused';
  return { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
