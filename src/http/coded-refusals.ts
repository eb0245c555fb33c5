/**
 * Yoga refuses some requests with an empty body (415 for a content type it does not read, 406
 * for an Accept header it cannot answer), and a body that is not JSON with the parser's own
 * error attached (which quotes the body back). Every refusal here becomes what the API promises:
 * `{ errors: [{ message, extensions: { code } }] }`, and nothing of a parser's internals.
 */
import type { Plugin } from 'graphql-yoga';

const REFUSED = new Set([400, 406, 413, 415]);
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

export function codedRefusals(): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (!REFUSED.has(response.status)) return;
      const text = await response.clone().text();
      const body = text === '' ? emptyRefusal(response) : withoutInternals(text);
      if (body === null) return;
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

/** The body without `extensions.originalError`; null when there is nothing to change. */
function withoutInternals(text: string): unknown {
  let body: { errors?: Array<{ extensions?: Record<string, unknown> }> };
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  let changed = false;
  for (const error of body.errors ?? []) {
    if (error.extensions && 'originalError' in error.extensions) {
      delete error.extensions.originalError;
      changed = true;
    }
  }
  return changed ? body : null;
}
