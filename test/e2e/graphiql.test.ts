/**
 * GraphiQL in Chromium: the page loads with the caller's token filled in, and a `messageStream`
 * subscription run from it streams the answer over WebSocket.
 */
import { describe, expect, it } from 'vitest';
import { browserApp, hasChromium, newContext, screenshot, skipReason } from '../helpers/browser.js';

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('GraphiQL in Chromium', () => {
  const app = browserApp({ emulator: { tokensPerSecond: 20, replyWords: 40 } });

  it('runs a messageStream subscription and shows the streamed answer', async () => {
    const sent = await app.fixture.exec<{
      sendMessage: { conversation: { id: string }; assistantMessage: { id: string } };
    }>(
      'mutation { sendMessage(input: { text: "Stream into GraphiQL" }) { conversation { id } assistantMessage { id } } }',
    );
    const { conversation, assistantMessage } = sent.data!.sendMessage;
    const query = `subscription {
  messageStream(conversationId: "${conversation.id}") {
    __typename
    ... on TextDelta { seq delta }
    ... on TextDone { seq text }
  }
}`;
    const { context, page, errors } = await newContext(app.browser);
    try {
      const params = new URLSearchParams({ token: app.fixture.tokens.alice, query });
      await page.goto(`${app.url}/graphql?${params}`);
      await page.locator('.graphiql-execute-button').click();
      // Results replace each other as events arrive; the stream ends with the final text.
      await page.locator('.graphiql-response').getByText('"TextDone"').waitFor();
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a person reads it
      const shown = await page.locator('.graphiql-response').innerText();
      const stored = await app.fixture.settled('alice', conversation.id, assistantMessage.id);
      expect(stored.status).toBe('COMPLETE');
      // The editor wraps long lines, so compare the start of the final text.
      const start = stored.text.split(/\s+/).slice(0, 5).join(' ');
      expect(start.length).toBeGreaterThan(10);
      expect(shown.replace(/\s+/g, ' ')).toContain(start);
      await screenshot(page, 'graphiql-subscription');
      expect(errors.filter((e) => !/favicon|DevTools/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
