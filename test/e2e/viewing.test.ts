/** What the reader sees and where focus goes: scrolling, the composer, notices, dialogs, tabs. */
import type { APIResponse, BrowserContext, Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserApp, hasChromium, newContext } from '../helpers/browser.js';
import {
  ASSISTANT,
  conversationIdOf,
  copiedAnswer,
  sendMessage,
  waitForFinalAnswer,
} from './support.js';

const atBottom = (page: Page) =>
  page.evaluate(() => {
    const log = document.querySelector('.log') as HTMLElement;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  });

const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    return active?.id || active?.getAttribute('aria-label') || active?.tagName;
  });

/** The text of the message that has focus itself, or null. */
const focusedMessage = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    return active?.matches('[data-message-id]') ? active.textContent : null;
  });

/** The names the conversation list shows, sorted: made within a millisecond, they may list in
 * either order. */
const sidebarNames = async (page: Page) =>
  (await page.locator('#sidebar .conversation-name').allTextContents()).sort();

/** Into the message log with Tab, from the control before it: onto the log's one tab stop. */
async function tabIntoLog(page: Page) {
  await page.getByRole('button', { name: 'Delete conversation' }).focus();
  await page.keyboard.press('Tab');
}

/** Which answer Shift+Tab from the message box reaches, counted from the last. */
async function answerBackFromComposer(page: Page) {
  await page.locator('#composer-input').focus();
  await page.keyboard.press('Shift+Tab');
  return page.evaluate(() => {
    const answers = [...document.querySelectorAll('article.message--assistant')];
    const at = document.activeElement?.closest('article.message--assistant');
    return at ? answers.length - 1 - answers.indexOf(at) : null;
  });
}

/** Holds the next Conversations query: its answer is read now and handed to the page later. */
async function holdNextList(page: Page) {
  let held: { route: Route; response: APIResponse } | null = null;
  let armed = true;
  await page.route('**/graphql', async (route) => {
    if (armed && (route.request().postData() ?? '').includes('query Conversations(')) {
      armed = false;
      held = { route, response: await route.fetch() };
      return;
    }
    await route.continue();
  });
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expect.poll(() => held !== null).toBe(true);
  return async () => {
    await held!.route.fulfill({ response: held!.response });
    // Time for the page to take the answer in, were it to.
    await page.waitForTimeout(500);
  };
}

describe.skipIf(!hasChromium)('viewing the chat in Chromium', () => {
  const app = browserApp({ emulator: { tokensPerSecond: 0, replyWords: 120 }, withWeb: true });

  /** Alice's conversation of three questions and answers, numbered from 0. */
  async function threeTurns(chatName: string) {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', chatName);
    await store.addMessages(
      'alice',
      data.id,
      [0, 1, 2].flatMap((i) => [
        { role: 'user' as const, text: `Question ${i}`, status: 'COMPLETE' as const },
        { role: 'assistant' as const, text: `Answer ${i}`, status: 'COMPLETE' as const },
      ]),
    );
    return data;
  }

  async function signedIn(viewport?: { width: number; height: number }) {
    const session = await newContext(app.browser, viewport ? { viewport } : {});
    await session.page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
    await session.page.locator('#composer-input').waitFor();
    return session;
  }

  /** A second tab opening bob's sign-in link, at the question it asks. */
  async function askedToSwitchToBob(context: BrowserContext): Promise<Page> {
    const linked = await context.newPage();
    await linked.goto(`${app.url}/?token=${app.fixture.tokens.bob}`);
    await linked.getByRole('heading', { name: 'Switch user?' }).waitFor();
    return linked;
  }

  it('brings a question sent while scrolled up into view, and keeps the end in view as the composer grows', async () => {
    const { context, page, errors } = await signedIn({ width: 800, height: 500 });
    try {
      for (const [i, text] of ['First question', 'Second question'].entries()) {
        await sendMessage(page, text);
        await waitForFinalAnswer(page, i + 1);
      }
      await page.locator('.log').evaluate((log) => log.scrollTo({ top: 0 }));
      await expect.poll(() => atBottom(page)).toBe(false);
      await sendMessage(page, 'Third question');
      await waitForFinalAnswer(page, 3);
      await expect.poll(() => atBottom(page)).toBe(true);

      // Only the log scrolls: the page itself, with its top bar and composer, stays put.
      expect(
        await page.evaluate(() => document.scrollingElement!.scrollHeight <= window.innerHeight),
      ).toBe(true);

      // Eight lines in the composer shrink the log; its end stays in view.
      await page.locator('#composer-input').focus();
      for (let line = 0; line < 8; line++) await page.keyboard.press('Shift+Enter');
      await expect.poll(() => atBottom(page)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('starts the tab order with a way past the conversation list to the message box', async () => {
    const { context, page } = await signedIn();
    try {
      // Back from the first control of the conversation list.
      await page.locator('#sidebar').getByRole('button').first().focus();
      await page.keyboard.press('Shift+Tab');
      const skip = page.getByRole('button', { name: 'Skip to message box' });
      expect(await skip.evaluate((button) => button === document.activeElement)).toBe(true);
      // Shown once focused, inside the window.
      const box = await skip.boundingBox();
      expect(box!.y).toBeGreaterThanOrEqual(0);
      const hash = await page.evaluate(() => window.location.hash);
      await page.keyboard.press('Enter');
      expect(await focusedLabel(page)).toBe('composer-input');
      expect(await page.evaluate(() => window.location.hash)).toBe(hash);
    } finally {
      await context.close();
    }
  });

  it('makes a long conversation one stop in the tab order, its messages reached with the arrow keys', async () => {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', 'Many messages');
    // A page of messages, the most the log opens with.
    const turns = 50;
    const answer = (i: number) => `Answer ${i}, see [the notes](https://example.com/${i})`;
    await store.addMessages(
      'alice',
      data.id,
      Array.from({ length: turns }, (_, i) => [
        { role: 'user' as const, text: `Question ${i}`, status: 'COMPLETE' as const },
        { role: 'assistant' as const, text: answer(i), status: 'COMPLETE' as const },
      ]).flat(),
    );
    const { context, page } = await signedIn();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    /** The text of the message holding the focused control. */
    const focusedIn = () =>
      page.evaluate(() => document.activeElement?.closest('[data-message-id]')?.textContent);
    /** Presses Tab until the message box has focus; how many presses it took. */
    const tabsToComposer = async () => {
      let presses = 0;
      while ((await focusedLabel(page)) !== 'composer-input' && presses < 20) {
        await page.keyboard.press('Tab');
        presses++;
      }
      return presses;
    };
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      await page
        .locator(ASSISTANT)
        .nth(turns - 1)
        .waitFor();
      // From the control before the log: the last message, its link and Copy, the message box.
      await tabIntoLog(page);
      expect(await focusedMessage(page)).toContain(`Answer ${turns - 1},`);
      expect(await tabsToComposer()).toBe(3);

      // Back into the log, then from message to message.
      await page.keyboard.press('Shift+Tab');
      expect(await focusedLabel(page)).toBe('Copy answer');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      expect(await focusedMessage(page)).toContain(`Answer ${turns - 1},`);
      await page.keyboard.press('ArrowUp');
      expect(await focusedMessage(page)).toContain(`Question ${turns - 1}`);
      await page.keyboard.press('Home');
      expect(await focusedMessage(page)).toContain('Question 0');
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
      expect(await focusedMessage(page)).toContain('Answer 1,');
      await page.keyboard.press('End');
      expect(await focusedMessage(page)).toContain(`Answer ${turns - 1},`);
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      expect(await focusedMessage(page)).toContain(`Answer ${turns - 2},`);

      // That message's own controls come next, and its Copy copies it.
      await page.keyboard.press('Tab');
      expect(await focusedLabel(page)).toBe('A');
      expect(await focusedIn()).toContain(`Answer ${turns - 2},`);
      await page.keyboard.press('Tab');
      expect(await focusedLabel(page)).toBe('Copy answer');
      await page.keyboard.press('Enter');
      await expect.poll(() => focusedLabel(page)).toBe('Copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(answer(turns - 2));
      // On out of the log, and back to where the reader was in it.
      expect(await tabsToComposer()).toBe(1);
      await page.keyboard.press('Shift+Tab');
      expect(await focusedIn()).toContain(`Answer ${turns - 2},`);

      // The mouse copies any answer, as before.
      expect(await copiedAnswer(page, 0)).toBe(answer(0));
    } finally {
      await context.close();
    }
  });

  it("reads a long conversation back a page at a time, keeping the reader's place", async () => {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', 'Long history');
    await store.addMessages(
      'alice',
      data.id,
      Array.from({ length: 130 }, (_, i) => [
        { role: 'user' as const, text: `Question ${i}`, status: 'COMPLETE' as const },
        { role: 'assistant' as const, text: `Answer ${i}`, status: 'COMPLETE' as const },
      ]).flat(),
    );
    const { context, page, errors } = await signedIn({ width: 900, height: 600 });
    const messages = page.locator('.log-inner > [data-message-id]');
    const earlier = page.getByRole('button', { name: 'Show earlier messages' });
    /** Where the message with `text` is, from the top of the log's visible part. */
    const offset = (text: string) =>
      page.evaluate((wanted) => {
        const log = document.querySelector('.log') as HTMLElement;
        const message = [...log.querySelectorAll('[data-message-id]')].find(
          (m) => m.textContent?.includes(wanted) && !m.textContent.includes(`${wanted}0`),
        );
        return message
          ? message.getBoundingClientRect().top - log.getBoundingClientRect().top
          : null;
      }, text);
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      // The newest hundred, from the end.
      await page.locator(ASSISTANT).filter({ hasText: 'Answer 129' }).waitFor();
      await expect.poll(() => messages.count()).toBe(100);
      await expect(messages.first().textContent()).resolves.toContain('Question 80');
      await expect.poll(() => atBottom(page)).toBe(true);

      // At the top, the page before comes in above without moving what the reader sees.
      await page.locator('.log').evaluate((log) => log.scrollTo({ top: 0 }));
      const before = await offset('Question 80');
      await earlier.click();
      await expect.poll(() => messages.count()).toBe(200);
      expect(Math.abs((await offset('Question 80'))! - before!)).toBeLessThanOrEqual(2);
      await expect(messages.first().textContent()).resolves.toContain('Question 30');
      // Focus went from the button, now out of view above them, to the newest of those read.
      expect(await focusedMessage(page)).toContain('Answer 79');
      await expect
        .poll(() => page.locator('.app > [role="status"]').textContent())
        .toBe('100 earlier messages shown');

      // Out of the live region, which stays quiet as they come in.
      expect(await earlier.evaluate((button) => button.closest('[role="log"]'))).toBeNull();
      await page.evaluate(() => {
        const region = document.querySelector('[role="log"]')!;
        new MutationObserver((records) => {
          const added = records.reduce((sum, record) => sum + record.addedNodes.length, 0);
          if (added > 1)
            region.setAttribute('data-live-at-insert', region.getAttribute('aria-live')!);
        }).observe(region, { childList: true });
      });

      // The last page from the keyboard: the button goes, and focus goes to the newest of the
      // messages read, just above the one that was first.
      await page.locator('.log').evaluate((log) => log.scrollTo({ top: 0 }));
      await earlier.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => messages.count()).toBe(260);
      expect(await earlier.count()).toBe(0);
      expect(await focusedMessage(page)).toContain('Answer 29');
      await page.keyboard.press('ArrowDown');
      expect(await focusedMessage(page)).toContain('Question 30');
      await page.keyboard.press('Home');
      expect(await focusedMessage(page)).toContain('Question 0');
      const region = page.locator('[role="log"]');
      expect(await region.getAttribute('data-live-at-insert')).toBe('off');
      // It reads out new messages again once the earlier ones are in.
      await expect.poll(() => region.getAttribute('aria-live')).toBe('polite');

      // A new turn still comes in at the end, with all of them kept.
      await sendMessage(page, 'One more');
      await waitForFinalAnswer(page, 131);
      await expect.poll(() => messages.count()).toBe(262);
      // A turn from another client has the page read the newest messages again: the earlier
      // ones it read stay.
      await app.fixture.app.services.chat.send('alice', {
        conversationId: data.id,
        text: 'From elsewhere',
      });
      await waitForFinalAnswer(page, 132);
      await expect.poll(() => messages.count()).toBe(264);
      await expect(messages.first().textContent()).resolves.toContain('Question 0');
      expect(await earlier.count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('searches the conversation list by name as the reader types, and Escape ends it', async () => {
    const store = app.fixture.app.services.store;
    for (const name of ['Résumé Qz1', 'Holiday Qz1', 'RESUME qz1 draft']) {
      await store.createConversation('alice', name);
    }
    const { context, page, errors } = await signedIn();
    const sidebar = page.locator('#sidebar');
    const names = () => sidebarNames(page);
    const search = page.getByRole('searchbox', { name: 'Search chats by name' });
    try {
      await sidebar.getByText('Holiday Qz1').waitFor();
      await search.fill('resume qz1');
      await expect.poll(names).toEqual(['RESUME qz1 draft', 'Résumé Qz1'].sort());
      expect(await sidebar.locator('.sidebar-heading').textContent()).toBe('Matches');
      await expect
        .poll(() => page.locator('.app > [role="status"]').textContent())
        .toBe('2 chats match.');
      // A match opens as any conversation does, and the matches stay.
      await sidebar.getByText('Résumé Qz1').click();
      await page.getByRole('heading', { name: 'Résumé Qz1' }).waitFor();
      expect(await names()).toEqual(['RESUME qz1 draft', 'Résumé Qz1'].sort());

      await search.fill('nothing qz1');
      await expect.poll(() => sidebar.getByText('No chats match.').isVisible()).toBe(true);
      expect(await names()).toEqual([]);

      await search.focus();
      await page.keyboard.press('Escape');
      expect(await search.inputValue()).toBe('');
      await expect.poll(async () => (await names()).includes('Holiday Qz1')).toBe(true);
      expect(await sidebar.locator('.sidebar-heading').textContent()).toBe('Recent');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('sends no search typed just before a plain sign-out, so it asks for no token', async () => {
    const { context, page } = await signedIn();
    try {
      await page.getByRole('searchbox', { name: 'Search chats by name' }).fill('abc');
      // Within the pause before the search is sent.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
      // Time for a search sent after all to come back refused.
      await page.waitForTimeout(800);
      expect(await page.locator('#token-error').allTextContents()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('takes a match deleted elsewhere out of the matches once it is opened', async () => {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', 'Gone Zq7');
    await store.createConversation('alice', 'Kept Zq7');
    const { context, page } = await signedIn();
    const sidebar = page.locator('#sidebar');
    const names = () => sidebarNames(page);
    try {
      await page.getByRole('searchbox', { name: 'Search chats by name' }).fill('zq7');
      // The matches, not the whole list (which may hold just these two).
      await expect.poll(() => sidebar.locator('.sidebar-heading').textContent()).toBe('Matches');
      await expect.poll(names).toEqual(['Gone Zq7', 'Kept Zq7']);
      await app.fixture.app.services.chat.remove('alice', data.id);
      await sidebar.getByText('Gone Zq7').click();
      await page.getByText('That conversation does not exist any more.').waitFor();
      await expect.poll(names).toEqual(['Kept Zq7']);
    } finally {
      await context.close();
    }
  });

  it('tells a keyboard user coming into the message log how to move in it, once', async () => {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', 'Two turns');
    await store.addMessages('alice', data.id, [
      { role: 'user', text: 'Question 0', status: 'COMPLETE' },
      { role: 'assistant', text: 'Answer 0', status: 'COMPLETE' },
    ]);
    const { context, page } = await signedIn();
    const cdp = await context.newCDPSession(page);
    /** What has focus: its label or tag, and its description as screen readers get it. */
    const focused = async () => {
      const { nodes } = await cdp.send('Accessibility.getFullAXTree');
      // The page itself counts as focused too; the focused element comes after it.
      const node = nodes
        .filter((n) => n.properties?.some((p) => p.name === 'focused' && p.value.value))
        .at(-1);
      return { at: await focusedLabel(page), description: node?.description?.value ?? '' };
    };
    const hint = 'Arrow keys move between messages; Home and End go to the first and last.';
    const sending = page.locator('#composer-hint .hint-compose');
    const moving = page.locator('#composer-hint .hint-log');
    try {
      // A new chat's suggestions are no messages: the line keeps the keys to send.
      await page.locator('.suggestion').first().focus();
      await page.keyboard.press('Tab');
      expect(await page.locator('.suggestion:focus-visible').count()).toBe(1);
      expect(await moving.isVisible()).toBe(false);
      expect(await sending.isVisible()).toBe(true);

      await page.goto(`${app.url}/#/c/${data.id}`);
      await page.locator(ASSISTANT).waitFor();
      await page.getByRole('button', { name: 'Delete conversation' }).focus();
      await expect.poll(() => sending.isVisible()).toBe(true);
      expect(await moving.isVisible()).toBe(false);
      await page.keyboard.press('Tab');
      expect(await focused()).toEqual({ at: 'ARTICLE', description: hint });
      // Seen too: the line under the message box tells how to move while the keyboard is here.
      await expect.poll(() => moving.isVisible()).toBe(true);
      expect(await sending.isVisible()).toBe(false);
      // A move inside the log is not described again.
      await page.keyboard.press('ArrowUp');
      expect(await focused()).toEqual({ at: 'ARTICLE', description: '' });
      await page.keyboard.press('ArrowDown');
      expect(await focused()).toEqual({ at: 'ARTICLE', description: '' });
      // Back in from the message box, onto the answer's Copy.
      await page.locator('#composer-input').focus();
      const box = await focused();
      expect(box.description).toMatch(/^Enter to send/);
      expect(box.description).not.toMatch(/between/);
      expect(await sending.isVisible()).toBe(true);
      expect(await moving.isVisible()).toBe(false);
      await page.keyboard.press('Shift+Tab');
      expect(await focused()).toEqual({ at: 'Copy answer', description: hint });
    } finally {
      await context.close();
    }
  });

  it("keeps the keyboard on a new chat's suggestion while the start finishes", async () => {
    const { context, page } = await newContext(app.browser, {});
    // The list comes late: the new chat is opened once it is read, after the keyboard got here.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const isList = (body: string | null) => (body ?? '').includes('query Conversations(');
    await page.route('**/graphql', async (route) => {
      if (isList(route.request().postData())) await held;
      await route.continue();
    });
    try {
      await page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
      await page.locator('.suggestion').first().focus();
      await page.keyboard.press('Tab');
      const listed = page.waitForResponse((response) => isList(response.request().postData()));
      release();
      await listed;
      // Two frames: the new chat's messages, set once the list is in, are drawn.
      await page.evaluate(
        () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
      );
      expect(await page.locator('.suggestion:focus-visible').count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('does not describe an answer again when it is redrawn under the keyboard', async () => {
    const { context, page } = await signedIn();
    app.fixture.emulator.setPacing({ tokensPerSecond: 40 });
    /** The focused message's status, and what describes the focused element. */
    const focused = () =>
      page.evaluate(() => {
        const active = document.activeElement as HTMLElement;
        const message = active.closest('[data-message-id]');
        const status = message?.getAttribute('data-status') ?? null;
        return { status, describedBy: active.getAttribute('aria-describedby') };
      });
    try {
      await sendMessage(page, 'Hello');
      await page.locator(`${ASSISTANT}[data-status="STREAMING"]`).waitFor();
      await page.locator('#composer-input').focus();
      // Read as focus comes in: a frame of the stream may draw the answer anew right after.
      await page.evaluate(() =>
        document.addEventListener(
          'focusin',
          (event) => {
            const target = event.target as HTMLElement;
            // On the page, not the element: a redraw may replace the element.
            document.body.dataset.arrival = JSON.stringify({
              status: target.closest('[data-message-id]')?.getAttribute('data-status') ?? null,
              describedBy: target.getAttribute('aria-describedby'),
            });
          },
          { once: true },
        ),
      );
      await page.keyboard.press('Shift+Tab');
      const arrival = await page.locator('body').getAttribute('data-arrival');
      expect(JSON.parse(arrival!)).toEqual({
        status: 'STREAMING',
        describedBy: 'message-log-hint',
      });
      // Finished, the answer is drawn anew and focus goes back to it: it is not coming in.
      await waitForFinalAnswer(page, 1);
      await expect.poll(focused).toEqual({ status: 'COMPLETE', describedBy: null });
    } finally {
      app.fixture.emulator.setPacing({ tokensPerSecond: 0 });
      await context.close();
    }
  });

  it('scrolls through a message taller than the log before the arrow keys move past it', async () => {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', 'A long answer');
    const long = Array.from({ length: 20 }, (_, i) => `Paragraph ${i} of the long answer.`);
    await store.addMessages('alice', data.id, [
      { role: 'user', text: 'Question 0', status: 'COMPLETE' },
      { role: 'assistant', text: long.join('\n\n'), status: 'COMPLETE' },
      { role: 'user', text: 'Question 1', status: 'COMPLETE' },
      { role: 'assistant', text: 'Answer 1', status: 'COMPLETE' },
    ]);
    const { context, page } = await signedIn({ width: 800, height: 500 });
    /** The long answer: whether it has focus, and which of its edges the log shows. */
    const longAnswer = () =>
      page.evaluate(() => {
        const view = document.querySelector('.log')!.getBoundingClientRect();
        const message = document.querySelector('article.message--assistant')!;
        const box = message.getBoundingClientRect();
        return {
          focused: message === document.activeElement,
          start: box.top >= view.top - 1,
          end: box.bottom <= view.bottom + 1,
        };
      });
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent);
    /** Presses `key` until the long answer loses focus; how many presses, and what showed last. */
    const readOn = async (key: string) => {
      let presses = 0;
      let before = await longAnswer();
      while (before.focused && presses < 300) {
        await page.keyboard.press(key);
        presses++;
        // Until the log stops scrolling (Chromium animates a scroll by the keyboard).
        await page.evaluate(async () => {
          const log = document.querySelector('.log')!;
          let at: number;
          do {
            at = log.scrollTop;
            await new Promise((resolve) => setTimeout(resolve, 100));
          } while (log.scrollTop !== at);
        });
        const after = await longAnswer();
        if (!after.focused) return { presses, shown: before };
        before = after;
      }
      return { presses, shown: before };
    };
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      await page.locator(ASSISTANT).nth(1).waitFor();
      await tabIntoLog(page);
      await page.keyboard.press('ArrowUp');
      // Up onto the long answer from below: its end, next to where the reader was.
      await page.keyboard.press('ArrowUp');
      expect(await longAnswer()).toEqual({ focused: true, start: false, end: true });
      // Up again scrolls it back to its start before moving on.
      const up = await readOn('ArrowUp');
      expect(up.presses).toBeGreaterThan(3);
      expect(up.shown.start).toBe(true);
      expect(await focusedText()).toContain('Question 0');
      // Down onto it from above: its start; then down to its end, and on.
      await page.keyboard.press('ArrowDown');
      expect(await longAnswer()).toEqual({ focused: true, start: true, end: false });
      const down = await readOn('ArrowDown');
      expect(down.presses).toBeGreaterThan(3);
      expect(down.shown.end).toBe(true);
      expect(await focusedText()).toContain('Question 1');
    } finally {
      await context.close();
    }
  });

  it('leaves the tab stop to the keyboard, and moves it to the newest turn once a question is sent', async () => {
    const data = await threeTurns('Three turns');
    const { context, page } = await signedIn();
    const backFromComposer = () => answerBackFromComposer(page);
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      await page.locator(ASSISTANT).nth(2).waitFor();
      // A click on an answer focuses it, as before, but Tab still comes back to the last one.
      await page.getByText('Answer 1').click();
      expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Answer 1');
      expect(await backFromComposer()).toBe(0);

      // Reached with the keyboard, an answer is where Tab comes back to...
      await page.keyboard.press('Shift+Tab');
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('ARTICLE');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      expect(await backFromComposer()).toBe(1);
      // ... until a question is sent: then the newest answer is.
      await sendMessage(page, 'Question 3');
      await waitForFinalAnswer(page, 4);
      expect(await backFromComposer()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('keeps the tab stop where the keyboard left it when a question comes from another tab', async () => {
    const data = await threeTurns('Asked in two tabs');
    const { context, page } = await signedIn();
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      await page.locator(ASSISTANT).nth(2).waitFor();
      await tabIntoLog(page);
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      expect(await answerBackFromComposer(page)).toBe(1);

      // While the reader is at the message box, the same conversation in another tab asks.
      await page.locator('#composer-input').focus();
      const other = await context.newPage();
      await other.goto(`${app.url}/#/c/${data.id}`);
      await other.locator(ASSISTANT).nth(2).waitFor();
      await sendMessage(other, 'Question 3');
      await waitForFinalAnswer(page, 4);
      // Answer 1 is still where Tab comes back to, one answer further from the last.
      expect(await answerBackFromComposer(page)).toBe(2);
    } finally {
      await context.close();
    }
  });

  it('moves the tab stop to the newest turn on a send from here, even when no frame drew the question', async () => {
    const data = await threeTurns('Sent between frames');
    const { context, page } = await newContext(app.browser, {});
    // A busy page: frames come late, so the server's answer to the send can replace the
    // question shown at once before any frame drew it.
    await page.addInitScript(() => {
      const frame = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (callback) => {
        setTimeout(() => frame(callback), 150);
        return 0;
      };
      window.cancelAnimationFrame = () => {};
    });
    try {
      await page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
      await page.goto(`${app.url}/#/c/${data.id}`);
      await page.locator(ASSISTANT).nth(2).waitFor();
      for (const question of ['Question 3', 'Question 4']) {
        await tabIntoLog(page);
        await page.keyboard.press('Home');
        expect(await answerBackFromComposer(page)).not.toBe(0);
        await sendMessage(page, question);
        await waitForFinalAnswer(page, question === 'Question 3' ? 4 : 5);
        expect(await answerBackFromComposer(page)).toBe(0);
      }
    } finally {
      await context.close();
    }
  });

  it('hands focus from a dismissed notice to the composer', async () => {
    const { context, page } = await signedIn();
    try {
      // Over the longest message: refused, with a notice that can only be dismissed.
      await sendMessage(page, 'x'.repeat(100_001));
      const dismiss = page.getByRole('button', { name: 'Dismiss' });
      await dismiss.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => dismiss.count()).toBe(0);
      expect(await focusedLabel(page)).toBe('composer-input');
    } finally {
      await context.close();
    }
  });

  it('drops the notice of a Stop that failed once the answer it was for has ended', async () => {
    const { context, page } = await signedIn();
    app.fixture.emulator.setPacing({ tokensPerSecond: 40 });
    try {
      // The Stop request cannot reach the server; the answer's stream still can.
      await page.route('**/graphql', (route) =>
        route.request().postData()?.includes('stopResponse') ? route.abort() : route.continue(),
      );
      await sendMessage(page, 'Stop me if you can');
      await page.locator(`${ASSISTANT}[data-status="STREAMING"] .markdown`).waitFor();
      await page.getByRole('button', { name: 'Stop generating' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      await waitForFinalAnswer(page, 1);
      await expect.poll(() => alert.count()).toBe(0);
    } finally {
      app.fixture.emulator.setPacing({ tokensPerSecond: 0 });
      await context.close();
    }
  });

  it('wraps a long chat name in the delete dialog rather than cutting it off', async () => {
    const { context, page } = await signedIn({ width: 390, height: 800 });
    try {
      const created = await app.fixture.exec<{ createConversation: { id: string } }>(
        `mutation { createConversation(chatName: "${'W'.repeat(150)}") { id } }`,
      );
      await page.goto(`${app.url}/#/c/${created.data!.createConversation.id}`);
      await page.reload();
      await page.getByRole('button', { name: 'Delete conversation' }).click();
      const body = page.locator('dialog[open] .dialog-body');
      await body.waitFor();
      const fits = await body.evaluate((element) => element.scrollWidth <= element.clientWidth);
      expect(fits).toBe(true);
      await page.keyboard.press('Escape');
    } finally {
      await context.close();
    }
  });

  it('closes the drawer when the window widens, so narrowing does not bring it back', async () => {
    const { context, page } = await signedIn({ width: 390, height: 800 });
    try {
      await page.getByRole('button', { name: 'Open conversation list' }).click();
      await expect.poll(() => focusedLabel(page)).toBe('Close conversation list');
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.locator('#composer-input').focus();
      await page.setViewportSize({ width: 390, height: 800 });
      await expect.poll(() => page.locator('#sidebar').isVisible()).toBe(false);
      expect(await page.evaluate(() => document.querySelector('main')?.inert)).toBe(false);
      expect(await focusedLabel(page)).toBe('composer-input');
    } finally {
      await context.close();
    }
  });

  it('asks before a link switches the user signed in here, staying by default', async () => {
    const { context, page } = await signedIn();
    try {
      const linked = await askedToSwitchToBob(context);
      expect(await linked.locator('.sign-in-card').textContent()).toContain(
        'You are signed in as alice. The link you opened signs in as bob.',
      );
      expect(linked.url()).not.toContain('token=');
      // Enter on the focused choice stays.
      await linked.keyboard.press('Enter');
      await expect.poll(() => linked.locator('.user-name').textContent()).toBe('alice');

      await linked.goto(`${app.url}/?token=${app.fixture.tokens.bob}`);
      await linked.getByRole('button', { name: 'Sign in as bob' }).click();
      await expect.poll(() => linked.locator('.user-name').textContent()).toBe('bob');
      // The first tab follows, as after any sign-in elsewhere.
      await expect.poll(() => page.locator('.user-name').textContent()).toBe('bob');
    } finally {
      await context.close();
    }
  });

  it('keeps the user signed in here when a link carries a token the server refuses', async () => {
    const { context, page } = await signedIn();
    try {
      await page.goto(`${app.url}/?token=not-a-token-of-anyone`);
      await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
      expect(await page.locator('.user-name').textContent()).toBe('alice');
      expect(await page.evaluate(() => localStorage.getItem('threadline.token'))).toBe(
        app.fixture.tokens.alice,
      );
    } finally {
      await context.close();
    }
  });

  it('never signs in with a link left unanswered when another tab signs out', async () => {
    const { context, page } = await signedIn();
    try {
      const linked = await askedToSwitchToBob(context);
      // The first tab signs out: the one asking reloads to the sign-in, not into the link's
      // account, and so does every other tab.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await linked.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
      await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
      expect(await page.evaluate(() => localStorage.getItem('threadline.token'))).toBeNull();
    } finally {
      await context.close();
    }
  });

  it('takes a conversation deleted in another tab out of the list once it is opened', async () => {
    const { context, page } = await signedIn();
    try {
      await sendMessage(page, 'Soon gone');
      await waitForFinalAnswer(page, 1);
      await page.getByRole('button', { name: 'New chat' }).first().click();
      const link = page.locator('.conversation-link', { hasText: 'Soon gone' });
      const id = await link.getAttribute('data-conversation-id');
      await app.fixture.exec('mutation ($id: ID!) { deleteConversation(id: $id) }', { id });
      await link.click();
      await page.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();
      await expect.poll(() => link.count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('brings a rename, a new conversation and a deletion made elsewhere into view when the tab is shown', async () => {
    const { context, page } = await signedIn();
    try {
      await sendMessage(page, 'Named here');
      await waitForFinalAnswer(page, 1);
      const id = conversationIdOf(page);
      const other = page.locator('.conversation-link', { hasText: 'Made elsewhere' });
      const made = await app.fixture.exec<{ createConversation: { id: string } }>(
        'mutation { createConversation(chatName: "Made elsewhere") { id } }',
      );
      await app.fixture.exec(
        'mutation ($id: ID!) { renameConversation(id: $id, chatName: "Renamed elsewhere") { id } }',
        { id },
      );
      expect(await other.count()).toBe(0);
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await expect
        .poll(() => page.locator('.topbar-title').textContent())
        .toBe('Renamed elsewhere');
      await other.waitFor();
      await app.fixture.exec('mutation ($id: ID!) { deleteConversation(id: $id) }', {
        id: made.data?.createConversation.id,
      });
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await expect.poll(() => other.count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('keeps a conversation deleted here while a refresh of the list was on its way deleted', async () => {
    const store = app.fixture.app.services.store;
    const doomed = await store.createConversation('alice', 'Doomed chat');
    const { context, page } = await signedIn();
    try {
      await page.goto(`${app.url}/#/c/${doomed.data.id}`);
      await expect.poll(() => page.locator('.topbar-title').textContent()).toBe('Doomed chat');
      const release = await holdNextList(page);
      await page.getByRole('button', { name: 'Delete conversation' }).click();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const link = page.locator('.conversation-link', { hasText: 'Doomed chat' });
      await expect.poll(() => link.count()).toBe(0);
      await release();
      expect(await link.count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('never shows the next user signed in here a list read for the one signed out', async () => {
    const store = app.fixture.app.services.store;
    await store.createConversation('alice', 'Alice private plan');
    await store.createConversation('bob', 'Bob chat');
    const { context, page } = await signedIn();
    try {
      await page.locator('.conversation-link', { hasText: 'Alice private plan' }).waitFor();
      const release = await holdNextList(page);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#token').fill(app.fixture.tokens.bob);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.conversation-link', { hasText: 'Bob chat' }).waitFor();
      await release();
      const names = await page.locator('.conversation-link').allTextContents();
      expect(names.join('|')).toContain('Bob chat');
      expect(names.join('|')).not.toContain('Alice');
    } finally {
      await context.close();
    }
  });

  it('highlights code up to a length, and the code block a streaming answer is still writing only while short', async () => {
    const store = app.fixture.app.services.store;
    const lines = (count: number) => 'const answer = 42; // the same line\n'.repeat(count);
    const short = `\`\`\`ts\n${lines(50)}\`\`\``;
    const { data } = await store.createConversation('alice', 'Long code');
    const add = (role: 'user' | 'assistant', text: string, status: 'COMPLETE' | 'STREAMING') =>
      store.addMessage('alice', data.id, { role, text, status });
    await add('user', 'Long code', 'COMPLETE');
    // 150 KB of code: highlighting it would hold the page for a good part of a second.
    await add('assistant', `${short}\n\n\`\`\`ts\n${lines(4_000)}\`\`\``, 'COMPLETE');
    await add('user', 'And more', 'COMPLETE');
    // Still streaming, its last block an open fence of 20 KB.
    await add('assistant', `${short}\n\n\`\`\`ts\n${lines(550)}`, 'STREAMING');
    const { context, page } = await signedIn();
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      const blocks = page.locator(`${ASSISTANT} .code-block code`);
      await expect.poll(() => blocks.count()).toBe(4);
      const keywords = await blocks.evaluateAll((codes) =>
        codes.map((code) => code.querySelectorAll('.hljs-keyword').length),
      );
      expect(keywords).toEqual([50, 0, 50, 0]);
      // Plain, not cut.
      expect(await blocks.nth(1).evaluate((code) => code.textContent)).toBe(lines(4_000).trimEnd());
    } finally {
      await context.close();
      await store.deleteConversation('alice', data.id);
    }
  });

  it('renders hostile Markdown in an answer inert', async () => {
    const store = app.fixture.app.services.store;
    const { data } = await store.createConversation('alice', 'Hostile');
    await store.addMessage('alice', data.id, { role: 'user', text: 'Show me', status: 'COMPLETE' });
    const hostile = [
      '# Title <img src=x onerror="window.pwned=1">',
      '<script>window.pwned=1</script>',
      '[click](javascript:window.pwned=1) and [by reference][1]',
      '![picture](http://127.0.0.1:1/x.png)',
      '```html\n<b onmouseover="window.pwned=1">bold</b>\n```',
      '| a | b |\n|---|---|\n| <svg onload="window.pwned=1"> | [x](data:text/html,hi) |',
      '[1]: javascript:window.pwned=1',
    ].join('\n\n');
    await store.addMessage('alice', data.id, {
      role: 'assistant',
      text: hostile,
      status: 'COMPLETE',
    });
    const { context, page } = await signedIn();
    try {
      await page.goto(`${app.url}/#/c/${data.id}`);
      await page.locator(`${ASSISTANT} .markdown h1`).waitFor();
      const found = await page.evaluate(() => {
        const markdown = document.querySelector('article.message--assistant .markdown')!;
        const all = [...markdown.querySelectorAll('*')];
        return {
          // The app's own Copy code buttons carry an icon.
          embedded: markdown.querySelectorAll(
            ':is(script, img, svg, iframe, object, embed):not(button *)',
          ).length,
          handlers: all.filter((e) => [...e.attributes].some((a) => a.name.startsWith('on')))
            .length,
          unsafeLinks: [...markdown.querySelectorAll('a')].filter((a) =>
            /^\s*(javascript|data):/i.test(a.getAttribute('href') ?? ''),
          ).length,
          pwned: (window as { pwned?: number }).pwned ?? 0,
          text: markdown.textContent ?? '',
        };
      });
      expect(found).toMatchObject({ embedded: 0, handlers: 0, unsafeLinks: 0, pwned: 0 });
      // Raw HTML shows as text; the code block keeps its source.
      expect(found.text).toContain('<script>window.pwned=1</script>');
      expect(found.text).toContain('<b onmouseover="window.pwned=1">bold</b>');
    } finally {
      await context.close();
    }
  });

  it('loads by itself once the server answers, after a start that could not reach it', async () => {
    const { context, page } = await newContext(app.browser);
    try {
      let blocked = true;
      await page.route('**/graphql', (route) => (blocked ? route.abort() : route.continue()));
      await page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
      await page.getByRole('alert').waitFor();
      // Not "no conversations": nothing is known yet.
      expect(await page.locator('.sidebar-empty').isVisible()).toBe(false);
      blocked = false;
      await expect
        .poll(() => page.locator('.user-name').textContent(), { timeout: 10_000 })
        .toBe('alice');
      await page.locator('.conversation-link').first().waitFor();
      expect(await page.locator(ASSISTANT).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
