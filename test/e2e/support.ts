/** Shared steps of the browser tests: reading what the page shows and what the server stored. */
import type { Page } from 'playwright-core';
import type { AppFixture } from '../helpers/app.js';

export const ASSISTANT = 'article.message--assistant';

export interface StoredMessage {
  id: string;
  role: string;
  text: string;
  status: string;
}

export function conversationIdOf(page: Page): string {
  const match = /#\/c\/([^/]+)$/.exec(page.url());
  if (!match?.[1]) throw new Error(`no conversation in ${page.url()}`);
  return decodeURIComponent(match[1]);
}

export async function storedMessages(
  fixture: AppFixture,
  conversationId: string,
  token: string,
): Promise<StoredMessage[]> {
  const result = await fixture.exec<{ conversation: { messages: StoredMessage[] } | null }>(
    'query ($id: ID!) { conversation(id: $id) { messages { id role text status } } }',
    { id: conversationId },
    token,
  );
  return result.data?.conversation?.messages ?? [];
}

/** Sends with the keyboard, as a user does. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#composer-input').fill(text);
  await page.keyboard.press('Enter');
}

/** Waits until the last answer is streaming and shows at least `words` words. */
export async function waitForStreamedWords(page: Page, words: number): Promise<void> {
  await page.waitForFunction(
    ([selector, min]) => {
      const answers = document.querySelectorAll(`${selector}[data-status="STREAMING"] .markdown`);
      const last = answers[answers.length - 1];
      return (last?.textContent ?? '').trim().split(/\s+/).length >= (min as number);
    },
    [ASSISTANT, words] as const,
  );
}

export async function waitForFinalAnswer(
  page: Page,
  count = 1,
  status = 'COMPLETE',
): Promise<void> {
  await page
    .locator(`${ASSISTANT}[data-status="${status}"]`)
    .nth(count - 1)
    .waitFor();
}

/** The raw Markdown of an answer, through its Copy button (what a user would paste). */
export async function copiedAnswer(page: Page, index = -1): Promise<string> {
  const answers = page.locator(ASSISTANT);
  const answer = index < 0 ? answers.last() : answers.nth(index);
  await answer.hover();
  await answer.getByRole('button', { name: 'Copy answer' }).click();
  return page.evaluate(() => navigator.clipboard.readText());
}
