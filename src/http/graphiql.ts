/**
 * GraphiQL at GET /graphql from a browser, rendered from `@graphql-yoga/render-graphiql`, which
 * inlines every script, style and worker: the page works with no network beyond this server.
 * Subscriptions run over graphql-ws; GraphiQL sends its header editor's headers with each
 * operation, and opening the page with `?token=` fills in the Authorization header.
 */
import type { GraphiQLOptions } from 'graphql-yoga';

const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

const DEFAULT_QUERY = `# Threadline. Send a message, then follow the answer live:
#   1. Run SendMessage and copy the conversation id.
#   2. Run MessageStream with that id (in a second tab), then send another message.

mutation SendMessage {
  sendMessage(input: { text: "Hello!" }) {
    conversation { id chatName }
    assistantMessage { id status }
  }
}

subscription MessageStream($conversationId: ID!) {
  messageStream(conversationId: $conversationId) {
    __typename
    ... on TextDelta { seq delta }
    ... on TextDone { seq text }
    ... on StreamError { code message }
  }
}
`;

export function graphiqlOptions(request: Request): GraphiQLOptions {
  const token = new URL(request.url).searchParams.get('token');
  const options: GraphiQLOptions = {
    title: 'Threadline GraphiQL',
    subscriptionsProtocol: 'WS',
    defaultQuery: DEFAULT_QUERY,
    // A token in the header editor must not outlive the tab (GraphiQL would keep it in storage).
    shouldPersistHeaders: false,
  };
  // Only a token-shaped value is echoed into the page, so nothing else can be injected.
  if (token && TOKEN.test(token)) {
    options.headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  }
  return options;
}

/** Stands for the headers in the page rendered once for every token. */
const HEADERS_SLOT = '__threadline_graphiql_headers__';

/** Takes `?token=` out of the address bar and history once the page has read it. */
const FORGET_TOKEN = `<script>(function () {
  var url = new URL(location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url);
})();</script>`;

/** `make()` run once and kept; forgotten if it fails, so that the next call tries again. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = null;
      throw error;
    }));
}

let plainPage: (() => Promise<Buffer<ArrayBuffer>>) | null = null;
let pageAround: (() => Promise<[Buffer<ArrayBuffer>, Buffer<ArrayBuffer>]>) | null = null;

/**
 * The page inlines megabytes of scripts (each JSON-encoded as it is rendered, about half a
 * second of the event loop), and only `headers` differs between requests: it is rendered and
 * encoded once without headers and once around a slot for them. Loaded on first use: most
 * processes never need the bundle.
 */
export async function renderGraphiQL(
  options: GraphiQLOptions,
): Promise<Buffer<ArrayBuffer> | ReadableStream<Uint8Array>> {
  const { headers, ...rest } = options;
  if (headers === undefined) {
    plainPage ??= once(async () => Buffer.from(await render(rest)));
    return plainPage();
  }
  pageAround ??= once(async () => {
    const page = await render({ ...rest, headers: HEADERS_SLOT });
    const [before, after, ...more] = page.split(JSON.stringify(HEADERS_SLOT));
    if (after === undefined || more.length > 0) throw new Error('no single headers slot');
    return [Buffer.from(before!), Buffer.from(after)];
  });
  const [before, after] = await pageAround();
  // Sent as three chunks: joining them would copy the whole page for each request.
  const slot = Buffer.from(JSON.stringify(headers));
  return new ReadableStream({
    start(controller) {
      for (const chunk of [before, slot, after]) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function render(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL: renderPage } = await import('@graphql-yoga/render-graphiql');
  return renderPage(options).replace('</head>', `${FORGET_TOKEN}</head>`);
}
