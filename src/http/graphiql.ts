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
  };
  // Only a token-shaped value is echoed into the page, so nothing else can be injected.
  if (token && TOKEN.test(token)) {
    options.headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  }
  return options;
}

/** Loaded on first use: the bundle is several megabytes and most processes never need it. */
export async function renderGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL: render } = await import('@graphql-yoga/render-graphiql');
  return render(options);
}
