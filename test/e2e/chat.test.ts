import fs from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserApp, hasChromium, newContext, screenshot, skipReason } from '../helpers/browser.js';
import {
  ASSISTANT,
  conversationIdOf,
  copiedAnswer,
  sendMessage,
  storedMessages,
  waitForFinalAnswer,
  waitForStreamedWords,
} from './support.js';

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('the web app in Chromium', () => {
  let alice: { context: BrowserContext; page: Page; errors: string[] };

  const app = browserApp({ emulator: { tokensPerSecond: 40, replyWords: 60 }, withWeb: true });

  beforeAll(async () => {
    alice = await newContext(app.browser);
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: app.url,
    });
  });

  it('builds a bundle without the graphql runtime', async () => {
    const assets = path.join(app.web!.dir, 'assets');
    const scripts = (await fs.readdir(assets)).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const name of scripts) {
      const code = await fs.readFile(path.join(assets, name), 'utf8');
      expect(code).toContain('messageStream');
      expect(code).not.toMatch(/GraphQLSchema|GraphQLObjectType|Syntax Error: Unexpected/);
    }
  });

  it('shows a sign-in screen for a wrong token', async () => {
    const { context, page } = await newContext(app.browser);
    try {
      await page.goto(`${app.url}/?token=not-a-token`);
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');
      expect(page.url()).not.toContain('token=');
      await screenshot(page, 'sign-in');
      await page.getByLabel('Access token').fill(app.fixture.tokens.alice);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#composer-input').waitFor();
    } finally {
      await context.close();
    }
  });

  it('signs in from the link, streams an answer as Markdown with highlighted code', async () => {
    const { page, errors } = alice;
    await page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
    await page.locator('#composer-input').waitFor();
    expect(page.url()).toBe(`${app.url}/`);
    expect(await page.evaluate(() => localStorage.getItem('threadline.token'))).toBe(
      app.fixture.tokens.alice,
    );
    await expect.poll(() => page.locator('.badge--offline').isVisible()).toBe(true);
    await screenshot(page, 'empty');

    // Shift+Enter is a new line, not a send.
    await page.locator('#composer-input').fill('Show me a list');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('and some code');
    expect(await page.locator('#composer-input').inputValue()).toBe(
      'Show me a list\nand some code',
    );
    await page.keyboard.press('Enter');

    await waitForStreamedWords(page, 5);
    expect(await page.getByRole('button', { name: 'Stop generating' }).isVisible()).toBe(true);
    await screenshot(page, 'streaming');
    await waitForFinalAnswer(page);
    await screenshot(page, 'answer');

    const answer = page.locator(ASSISTANT).last();
    expect(await answer.locator('.markdown ul > li').count()).toBe(3);
    expect(
      await answer.locator('pre code.hljs.language-ts .hljs-keyword').first().textContent(),
    ).toBe('const');
    expect(await answer.locator('.message-meta').textContent()).toMatch(/o1-mini.*\d+ tokens/);
    expect(await page.locator('.message--user .bubble').last().textContent()).toBe(
      'Show me a list\nand some code',
    );

    const id = conversationIdOf(page);
    const stored = await storedMessages(app.fixture, id, app.fixture.tokens.alice);
    expect(await copiedAnswer(page)).toBe(stored.at(-1)?.text);
    // The first message names the chat.
    await expect
      .poll(() => page.locator(`[data-conversation-id="${id}"] .conversation-name`).textContent())
      .toContain('Show me a list');
    expect(errors).toEqual([]);
  });

  it('copies an answer over plain HTTP, where the page gets no Clipboard API', async () => {
    // A server reached at a LAN address over HTTP is no secure context, and browsers give such
    // a page no navigator.clipboard; this page is told it is one of those.
    const { context, page } = await newContext(app.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    await context.addInitScript(() => {
      Object.defineProperty(window, 'isSecureContext', { value: false });
      const clipboard = navigator.clipboard;
      Object.defineProperty(navigator, 'clipboard', { value: undefined });
      // The test reads the clipboard the page could not.
      Object.defineProperty(window, 'readClipboard', { value: () => clipboard.readText() });
    });
    await page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
    await sendMessage(page, 'Copy me over HTTP');
    await waitForFinalAnswer(page);
    const stored = await storedMessages(
      app.fixture,
      conversationIdOf(page),
      app.fixture.tokens.alice,
    );
    const answer = page.locator(ASSISTANT).last();
    await answer.hover();
    await answer.getByRole('button', { name: 'Copy answer' }).click();
    await answer.getByRole('button', { name: 'Copied' }).waitFor();
    const copied = await page.evaluate(() =>
      (window as unknown as { readClipboard(): Promise<string> }).readClipboard(),
    );
    expect(copied).toBe(stored.at(-1)?.text);
    // The focus went back to the button, not to the text area the copy used.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-copy'))).toBe(
      'message',
    );
    await context.close();
  });

  it('shows raw HTML in an answer as text, and an image as a link that loads nothing', async () => {
    const { page } = alice;
    await page.goto(`${app.url}/`);
    // The emulator's answer quotes the question, markup and all.
    await sendMessage(
      page,
      '<style>body{display:none}</style> <b id="composer-input">bold</b> ![leak](https://evil.example/x.png)',
    );
    await waitForFinalAnswer(page);
    const answer = page.locator(ASSISTANT).last().locator('.markdown');
    expect(await answer.locator('style, b, img, [id]').count()).toBe(0);
    expect(await answer.textContent()).toContain('<style>body{display:none}</style>');
    expect(await answer.locator('a[href="https://evil.example/x.png"]').textContent()).toBe('leak');
    expect(await page.locator('[id="composer-input"]').count()).toBe(1);
    const policy = (await page.request.get(`${app.url}/`)).headers()['content-security-policy'];
    expect(policy).toContain("img-src 'self' data:");
  });

  it('stops an answer and keeps its partial text as stopped', async () => {
    const { page } = alice;
    app.fixture.emulator.setPacing({ tokensPerSecond: 6 });
    try {
      await sendMessage(page, 'Take your time with this one');
      await waitForStreamedWords(page, 2);
      // The streaming answer re-renders alone: every other message stays in the page (no fade
      // replayed, no focus or selection lost), here the earlier answer's focused Copy button.
      const copyEarlier = page.getByRole('button', { name: 'Copy answer' }).last();
      await copyEarlier.focus();
      await page.evaluate(() => {
        const log = document.querySelector('.log-inner') as Element;
        const counts = { removed: 0 };
        Object.assign(window, { removedMessages: counts });
        new MutationObserver((records) => {
          for (const record of records) {
            for (const node of record.removedNodes) {
              if ((node as Element).getAttribute?.('data-status') !== 'STREAMING') counts.removed++;
            }
          }
        }).observe(log, { childList: true });
      });
      await waitForStreamedWords(page, 5);
      expect(
        await page.evaluate(
          () =>
            (window as unknown as { removedMessages: { removed: number } }).removedMessages.removed,
        ),
      ).toBe(0);
      expect(await copyEarlier.evaluate((button) => button === document.activeElement)).toBe(true);
      // With the keyboard: Stop is hidden once it has worked, and focus goes on to the input.
      await page.getByRole('button', { name: 'Stop generating' }).focus();
      await page.keyboard.press('Enter');
      await waitForFinalAnswer(page, 1, 'INCOMPLETE');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.id))
        .toBe('composer-input');
    } finally {
      app.fixture.emulator.setPacing({ tokensPerSecond: 40 });
    }
    const answer = page.locator(`${ASSISTANT}[data-status="INCOMPLETE"]`);
    expect(await answer.locator('.badge').textContent()).toBe('Stopped');
    // The last answer, stopped, may be asked again.
    expect(await answer.getByRole('button', { name: 'Ask again' }).count()).toBe(1);
    const stored = await storedMessages(
      app.fixture,
      conversationIdOf(page),
      app.fixture.tokens.alice,
    );
    const last = stored.at(-1)!;
    expect(last.status).toBe('INCOMPLETE');
    expect(last.text.split(/\s+/).length).toBeLessThan(60);
    expect(await copiedAnswer(page)).toBe(last.text);
    await screenshot(page, 'stopped');
    expect(await page.locator('#composer-input').isEnabled()).toBe(true);
  });

  /** Asks for an answer with code, and waits until its Copy code button shows while it streams. */
  async function streamingCodeAnswer(page: Page) {
    await sendMessage(page, 'Some code please');
    const streaming = page.locator(`${ASSISTANT}[data-status="STREAMING"]`);
    const copyCode = streaming.getByRole('button', { name: 'Copy code' });
    await copyCode.waitFor();
    return { streaming, copyCode };
  }

  it('keeps focus on a control inside the streaming answer as it grows', async () => {
    const { page } = alice;
    app.fixture.emulator.setPacing({ tokensPerSecond: 12 });
    try {
      const { streaming, copyCode } = await streamingCodeAnswer(page);
      await copyCode.focus();
      const focusedCopyCode = () =>
        page.evaluate(() => {
          const active = document.activeElement;
          return active?.getAttribute('aria-label') === 'Copy code'
            ? (active.closest('article')?.getAttribute('data-status') ?? 'outside')
            : (active?.id ?? active?.tagName ?? 'none');
        });
      // Every delta re-renders the answer: the new copy of the button takes focus back.
      const words = await streaming.locator('.markdown').evaluate((e) => e.textContent ?? '');
      await waitForStreamedWords(page, words.trim().split(/\s+/).length + 4);
      expect(await focusedCopyCode()).toBe('STREAMING');
      await expect.poll(() => streaming.count(), { timeout: 10_000 }).toBe(0);
      expect(await focusedCopyCode()).toBe('COMPLETE');
    } finally {
      app.fixture.emulator.setPacing({ tokensPerSecond: 40 });
    }
  });

  it('leaves the finished blocks of a streaming answer alone, so a press on Copy code copies', async () => {
    const { page } = alice;
    app.fixture.emulator.setPacing({ tokensPerSecond: 12 });
    try {
      const { streaming, copyCode } = await streamingCodeAnswer(page);
      // The code block is finished once a paragraph follows it.
      await streaming.locator('.markdown .code-block + p').waitFor();
      await copyCode.evaluate((button) => button.setAttribute('data-seen', 'yes'));
      const words = await streaming.locator('.markdown').evaluate((e) => e.textContent ?? '');
      await waitForStreamedWords(page, words.trim().split(/\s+/).length + 3);
      // The same button, not a new copy of it.
      expect(await streaming.locator('[data-seen="yes"]').count()).toBe(1);

      // A press as a person makes one, with deltas arriving between down and up. In a window
      // tall enough for the whole log, so that no scrolling to the end moves it.
      const viewport = page.viewportSize()!;
      await page.setViewportSize({ width: viewport.width, height: 4_000 });
      await page.evaluate(() => navigator.clipboard.writeText('nothing copied yet'));
      const box = (await copyCode.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.waitForTimeout(300);
      await page.mouse.up();
      expect(await streaming.count()).toBe(1);
      await expect
        .poll(() => page.evaluate(() => navigator.clipboard.readText()))
        .toContain('const turn');
      await page.setViewportSize(viewport);
    } finally {
      app.fixture.emulator.setPacing({ tokensPerSecond: 40 });
    }
  });

  it('renames and, after confirmation, deletes a conversation', async () => {
    const { page } = alice;
    const id = conversationIdOf(page);

    await page.getByRole('button', { name: 'Rename conversation' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename conversation' });
    await rename.getByRole('textbox').fill('Weekend plans');
    await screenshot(page, 'rename-dialog');
    await rename.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.topbar-title').textContent()).toBe('Weekend plans');
    // The tab is named after the conversation too.
    expect(await page.title()).toBe('Weekend plans – Threadline');
    const listed = await app.fixture.exec<{ conversation: { chatName: string } }>(
      'query ($id: ID!) { conversation(id: $id) { chatName } }',
      { id },
    );
    expect(listed.data?.conversation.chatName).toBe('Weekend plans');
    // Enter in the field saves too.
    await page.getByRole('button', { name: 'Rename conversation' }).click();
    await rename.getByRole('textbox').fill('Weekend plans, final');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.topbar-title').textContent())
      .toBe('Weekend plans, final');
    await page.getByRole('button', { name: 'Rename conversation' }).click();
    await rename.getByRole('textbox').fill('Weekend plans');
    await rename.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.topbar-title').textContent()).toBe('Weekend plans');
    // Cancel closes the dialog even with the name cleared, and changes nothing.
    await page.getByRole('button', { name: 'Rename conversation' }).click();
    await rename.getByRole('textbox').fill('');
    await rename.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => rename.isVisible()).toBe(false);
    expect(await page.locator('.topbar-title').textContent()).toBe('Weekend plans');

    // Cancel keeps it.
    await page.getByRole('button', { name: 'Delete conversation' }).click();
    await screenshot(page, 'delete-dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator(`[data-conversation-id="${id}"]`).count()).toBe(1);

    await page.getByRole('button', { name: 'Delete conversation' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator(`[data-conversation-id="${id}"]`).count()).toBe(0);
    expect(page.url()).toBe(`${app.url}/`);
    // Deleted here: the stream's NOT_FOUND is expected, not news to report.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.locator('.notice-slot [role="alert"]').count()).toBe(0);
    const gone = await app.fixture.exec('query ($id: ID!) { conversation(id: $id) { id } }', {
      id,
    });
    expect(gone.data?.conversation).toBeNull();
  });

  it('renames and deletes from the conversation list, leaving the open chat open', async () => {
    const { page } = alice;
    await sendMessage(page, 'Stay open');
    await waitForFinalAnswer(page);
    const open = conversationIdOf(page);
    const created = await app.fixture.exec<{ createConversation: { id: string } }>(
      'mutation { createConversation(chatName: "Old notes") { id } }',
    );
    const other = created.data!.createConversation.id;
    await page.reload();
    const item = page.locator('.conversation-item', {
      has: page.locator(`[data-conversation-id="${other}"]`),
    });
    await item.hover();
    await screenshot(page, 'sidebar-actions');
    await item.getByRole('button', { name: 'Rename “Old notes”' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename conversation' });
    await rename.getByRole('textbox').fill('Archived notes');
    await rename.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => item.locator('.conversation-name').textContent())
      .toBe('Archived notes');
    // The list was built anew; focus is back on the button that opened the dialog.
    const focusKey = () =>
      page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.focusKey);
    expect(await focusKey()).toBe(`Rename:${other}`);

    await item.hover();
    await item.getByRole('button', { name: 'Delete “Archived notes”' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => item.count()).toBe(0);
    expect(await focusKey()).toBe(`link:${open}`);
    expect(conversationIdOf(page)).toBe(open);
    const gone = await app.fixture.exec('query ($id: ID!) { conversation(id: $id) { id } }', {
      id: other,
    });
    expect(gone.data?.conversation).toBeNull();
    // The next test starts from a new chat, as the one before left it.
    await page.locator('[data-action="new-chat"]').click();
  });

  it('keeps two users apart', async () => {
    await sendMessage(alice.page, 'A secret of Alice');
    await waitForFinalAnswer(alice.page);
    const aliceChat = conversationIdOf(alice.page);

    const bob = await newContext(app.browser);
    try {
      await bob.page.goto(`${app.url}/?token=${app.fixture.tokens.bob}`);
      await bob.page.locator('#composer-input').waitFor();
      await expect.poll(() => bob.page.locator('.sidebar-empty').isVisible()).toBe(true);
      await sendMessage(bob.page, 'Bob asks something');
      await waitForFinalAnswer(bob.page);
      expect(await bob.page.locator('.conversation-link').allTextContents()).toEqual([
        expect.stringContaining('Bob asks something'),
      ]);

      // Bob cannot open Alice's conversation by its address.
      await bob.page.goto(`${app.url}/#/c/${aliceChat}`);
      await expect
        .poll(() => bob.page.getByRole('alert').textContent())
        .toContain('does not exist');
      expect(await bob.page.locator('.message').count()).toBe(0);
      await screenshot(bob.page, 'other-user');

      await alice.page.reload();
      await alice.page.locator('.conversation-link').first().waitFor();
      const aliceTitles = await alice.page.locator('.conversation-link').allTextContents();
      expect(aliceTitles.some((t) => t.includes('Bob'))).toBe(false);
      expect(aliceTitles.some((t) => t.includes('A secret of Alice'))).toBe(true);
    } finally {
      await bob.context.close();
    }
  });

  it('shows older conversations a page at a time, keeping focus in the list', async () => {
    const { context, page } = await newContext(app.browser);
    try {
      // Bob has one conversation from the test before; 31 more make two pages of 30.
      for (let i = 1; i <= 31; i++) {
        await app.fixture.exec(
          'mutation ($name: String!) { createConversation(chatName: $name) { id } }',
          { name: `Bob's chat ${i}` },
          app.fixture.tokens.bob,
        );
      }
      await page.goto(`${app.url}/?token=${app.fixture.tokens.bob}`);
      const links = page.locator('.conversation-link');
      await expect.poll(() => links.count()).toBe(30);
      const more = page.getByRole('button', { name: 'Show older' });
      await more.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => links.count()).toBe(32);
      // The last page loaded, the button goes and focus moves to the oldest conversation.
      expect(await more.isVisible()).toBe(false);
      const focused = await page.evaluate(() => {
        const active = document.activeElement;
        return active?.matches('.conversation-link') ? active.textContent : active?.tagName;
      });
      expect(focused).toContain('Bob asks something');
    } finally {
      await context.close();
    }
  });

  it('fits a phone screen, with the conversation list in a drawer', async () => {
    const phone = await newContext(app.browser, { viewport: { width: 390, height: 800 } });
    try {
      await phone.page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
      await phone.page.locator('.conversation-link').first().waitFor({ state: 'attached' });
      expect(await phone.page.locator('#sidebar').isVisible()).toBe(false);
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      await screenshot(phone.page, 'phone');
      const focusedLabel = () =>
        phone.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      // The drawer takes focus, the page behind it is out of reach, and focus comes back.
      await phone.page.getByRole('button', { name: 'Open conversation list' }).click();
      await expect.poll(focusedLabel).toBe('Close conversation list');
      expect(await phone.page.evaluate(() => document.querySelector('main')?.inert)).toBe(true);
      // Escape in a dialog opened from the drawer closes the dialog, not the drawer under it.
      const first = phone.page.locator('.conversation-item').first();
      await first.getByRole('button', { name: /^Rename/ }).focus();
      await phone.page.keyboard.press('Enter');
      const dialog = phone.page.getByRole('dialog', { name: 'Rename conversation' });
      await dialog.waitFor();
      await phone.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await focusedLabel()).toMatch(/^Rename/);
      expect(await phone.page.locator('#sidebar').isVisible()).toBe(true);
      await phone.page.keyboard.press('Escape');
      await expect.poll(focusedLabel).toBe('Open conversation list');
      expect(await phone.page.evaluate(() => document.querySelector('main')?.inert)).toBe(false);
      // Left open as the window widens, the drawer no longer keeps the page out of reach.
      await phone.page.getByRole('button', { name: 'Open conversation list' }).click();
      await expect.poll(focusedLabel).toBe('Close conversation list');
      await phone.page.setViewportSize({ width: 1280, height: 800 });
      await expect
        .poll(() => phone.page.evaluate(() => document.querySelector('main')?.inert))
        .toBe(false);
      await phone.page.setViewportSize({ width: 390, height: 800 });
      await phone.page.keyboard.press('Escape');
      await phone.page.getByRole('button', { name: 'Open conversation list' }).click();
      await phone.page.locator('.conversation-link').first().click();
      await waitForFinalAnswer(phone.page);
      await expect.poll(() => phone.page.locator('#sidebar').isVisible()).toBe(false);
      await screenshot(phone.page, 'phone-chat');
    } finally {
      await phone.context.close();
    }
  });
});
