import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
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

/** Answers slow enough (60 words at 15/s) to reload or cut the network in the middle. */
describe.skipIf(!hasChromium)('resuming and failing answers in Chromium', () => {
  const app = browserApp({ emulator: { tokensPerSecond: 15, replyWords: 60 }, withWeb: true });

  /** `prepare` runs before the page loads (WebSocket routes only apply to later documents). */
  async function signedInPage(prepare?: (page: Page) => Promise<void>) {
    const session = await newContext(app.browser);
    await session.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: app.url,
    });
    await prepare?.(session.page);
    await session.page.goto(`${app.url}/?token=${app.fixture.tokens.alice}`);
    await session.page.locator('#composer-input').waitFor();
    return session;
  }

  /** The ids of alice's conversations whose (default) name is the start of `question`. */
  async function conversationsNamedFor(question: string): Promise<string[]> {
    const listed = await app.fixture.exec<{
      conversations: { edges: Array<{ node: { id: string; chatName: string } }> };
    }>('{ conversations(first: 100) { edges { node { id chatName } } } }');
    return (listed.data?.conversations.edges ?? [])
      .filter((e) => question.startsWith(e.node.chatName.replace(/…$/, '')))
      .map((e) => e.node.id);
  }

  /** The page shows the last answer as stored, and logged no error. */
  async function expectAnswerAsStored(page: Page, errors: string[]) {
    const stored = await storedMessages(
      app.fixture,
      conversationIdOf(page),
      app.fixture.tokens.alice,
    );
    expect(await copiedAnswer(page)).toBe(stored.at(-1)?.text);
    expect(errors).toEqual([]);
  }

  /** Two answered conversations, the first one open again; their ids. */
  async function twoConversations(page: Page): Promise<[string, string]> {
    const ids: string[] = [];
    for (const text of ['Conversation one', 'Conversation two']) {
      if (ids.length > 0) await page.locator('[data-action="new-chat"]').click();
      await sendMessage(page, text);
      await waitForFinalAnswer(page);
      ids.push(conversationIdOf(page));
    }
    await page.locator(`[data-conversation-id="${ids[0]}"]`).click();
    await waitForFinalAnswer(page);
    return [ids[0]!, ids[1]!];
  }

  it('completes an answer exactly after a reload in the middle of it', async () => {
    const { context, page, errors } = await signedInPage();
    try {
      await sendMessage(page, 'Reload while you answer');
      await waitForStreamedWords(page, 10);
      const id = conversationIdOf(page);
      await page.reload();
      // The reloaded page picks the stream up before the answer is over.
      await waitForStreamedWords(page, 12);
      await screenshot(page, 'resumed-after-reload');
      await waitForFinalAnswer(page);
      const stored = await storedMessages(app.fixture, id, app.fixture.tokens.alice);
      expect(stored.at(-1)?.status).toBe('COMPLETE');
      expect(await copiedAnswer(page)).toBe(stored.at(-1)?.text);
      expect(await page.locator(`${ASSISTANT} .markdown ul > li`).count()).toBe(3);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a banner when the connection drops and continues with no gap or repeat', async () => {
    // Every socket goes through this route; while `refuse` is set, new ones are turned away.
    const sockets: WebSocketRoute[] = [];
    let refuse = false;
    const { context, page, errors } = await signedInPage((page) =>
      page.routeWebSocket(/\/graphql$/, (socket) => {
        if (refuse) {
          void socket.close({ code: 1001, reason: 'network down' });
          return;
        }
        socket.connectToServer();
        sockets.push(socket);
      }),
    );
    try {
      await sendMessage(page, 'Lose the network while you answer');
      await waitForStreamedWords(page, 8);
      refuse = true;
      for (const socket of sockets) await socket.close({ code: 1001, reason: 'network down' });
      const banner = page.getByRole('status').filter({ hasText: 'Reconnecting' });
      await banner.waitFor();
      await screenshot(page, 'reconnecting');
      refuse = false;
      await banner.waitFor({ state: 'hidden' });
      await waitForFinalAnswer(page);
      await expectAnswerAsStored(page, errors);
    } finally {
      await context.close();
    }
  });

  it('follows the answer again when the server ends the stream, as it does when it shuts down', async () => {
    // The page's sockets go through this route: it can play a server that completes every
    // subscription and closes (1001), as a server stopping with SIGTERM does.
    const routes: Array<{ page: WebSocketRoute; subscriptions: string[] }> = [];
    const { context, page, errors } = await signedInPage((page) =>
      page.routeWebSocket(/\/graphql$/, (socket) => {
        const server = socket.connectToServer();
        const route = { page: socket, subscriptions: [] as string[] };
        routes.push(route);
        socket.onMessage((message) => {
          const parsed = JSON.parse(String(message));
          if (parsed.type === 'subscribe') route.subscriptions.push(parsed.id);
          server.send(message);
        });
      }),
    );
    try {
      await sendMessage(page, 'Keep going while the server restarts');
      await waitForStreamedWords(page, 8);
      const first = routes.at(-1)!;
      for (const id of first.subscriptions) {
        first.page.send(JSON.stringify({ id, type: 'complete' }));
      }
      await first.page.close({ code: 1001, reason: 'going away' });
      // The page subscribes again on a new socket and the answer finishes, whole.
      await waitForFinalAnswer(page);
      expect(routes.length).toBeGreaterThan(1);
      await expectAnswerAsStored(page, errors);
    } finally {
      await context.close();
    }
  });

  it('keeps the bubble of a question on its way through a reconnect and its re-read', async () => {
    const sockets: WebSocketRoute[] = [];
    const { context, page, errors } = await signedInPage((page) =>
      page.routeWebSocket(/\/graphql$/, (socket) => {
        socket.connectToServer();
        sockets.push(socket);
      }),
    );
    try {
      await sendMessage(page, 'Answered first');
      await waitForFinalAnswer(page);
      // The next send is held on its way while the socket drops and the page reads again.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/graphql', async (route) => {
        if (route.request().postData()?.includes('sendMessage')) await held;
        await route.continue();
      });
      await sendMessage(page, 'Held on its way');
      const bubbles = page.locator('.message--user .bubble');
      await expect.poll(() => bubbles.count()).toBe(2);
      const reread = page.waitForResponse((response) =>
        /query Conversation\(/.test(response.request().postData() ?? ''),
      );
      for (const socket of sockets.splice(0)) await socket.close({ code: 1001, reason: 'drop' });
      await reread;
      expect(await bubbles.allTextContents()).toEqual(['Answered first', 'Held on its way']);
      release();
      await waitForFinalAnswer(page, 2);
      expect(await bubbles.allTextContents()).toEqual(['Answered first', 'Held on its way']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows an answer started elsewhere even when the read at its start fails', async () => {
    const { context, page, errors } = await signedInPage();
    try {
      await sendMessage(page, 'Answered here');
      await waitForFinalAnswer(page);
      const id = conversationIdOf(page);
      let failReads = true;
      await page.route('**/graphql', (route) =>
        failReads && /query Conversation\(/.test(route.request().postData() ?? '')
          ? route.abort('connectionreset')
          : route.continue(),
      );
      const failed = page.waitForEvent('requestfailed');
      // Another client asks in the same conversation; the page's read at the start fails.
      const other = await app.fixture.exec(
        'mutation ($id: ID!) { sendMessage(input: { conversationId: $id, text: "Asked elsewhere" }) { assistantMessage { id } } }',
        { id },
      );
      expect(other.errors).toBeUndefined();
      await failed;
      failReads = false;
      await waitForFinalAnswer(page, 2);
      expect(await page.locator('.message--user .bubble').allTextContents()).toEqual([
        'Answered here',
        'Asked elsewhere',
      ]);
      // The browser's own line for the read the route cut off; nothing else.
      expect(errors).toEqual(['Failed to load resource: net::ERR_CONNECTION_RESET']);
    } finally {
      await context.close();
    }
  });

  it('shows an upstream error inline, and Retry asks again', async () => {
    const { context, page } = await signedInPage();
    try {
      app.fixture.emulator.queueFault({ type: 'http_error', status: 429 });
      await sendMessage(page, 'This one hits a rate limit');
      const alert = page.locator(`${ASSISTANT} [role="alert"]`);
      await alert.waitFor();
      expect(await alert.getAttribute('data-code')).toBe('RATE_LIMITED');
      await screenshot(page, 'rate-limited');
      await alert.getByRole('button', { name: 'Retry' }).click();
      await waitForFinalAnswer(page);
      // The question is asked again, not stored again; the failed answer stays, without Retry.
      expect(await page.locator('.message--user').count()).toBe(1);
      expect(await page.locator(`${ASSISTANT}[data-status="FAILED"]`).count()).toBe(1);
      expect(await alert.getByRole('button', { name: 'Retry' }).count()).toBe(0);
      const stored = await storedMessages(
        app.fixture,
        conversationIdOf(page),
        app.fixture.tokens.alice,
      );
      expect(stored.map((m) => m.status)).toEqual(['COMPLETE', 'FAILED', 'COMPLETE']);
      await screenshot(page, 'retried');
    } finally {
      await context.close();
    }
  });

  it('offers Retry on a message that could not be sent, and Retry sends it once', async () => {
    const { context, page } = await signedInPage();
    try {
      let offline = true;
      await page.route('**/graphql', (route) =>
        offline && route.request().method() === 'POST'
          ? route.abort('connectionrefused')
          : route.continue(),
      );
      await sendMessage(page, 'Sent while the network was down');
      const notice = page.locator('.notice-slot [role="alert"]');
      await notice.waitFor();
      expect(await notice.getAttribute('data-code')).toBe('NETWORK');
      // The text is given back to edit or send again.
      const composer = page.locator('#composer-input');
      expect(await composer.inputValue()).toBe('Sent while the network was down');
      await screenshot(page, 'send-failed');
      offline = false;
      await notice.getByRole('button', { name: 'Retry' }).click();
      await waitForFinalAnswer(page);
      expect(await notice.count()).toBe(0);
      // Sent by Retry, it is no longer in the composer, where Enter would send it again.
      expect(await composer.inputValue()).toBe('');
      const stored = await storedMessages(
        app.fixture,
        conversationIdOf(page),
        app.fixture.tokens.alice,
      );
      expect(stored.map((m) => [m.role, m.status])).toEqual([
        ['USER', 'COMPLETE'],
        ['ASSISTANT', 'COMPLETE'],
      ]);
    } finally {
      await context.close();
    }
  });

  it('shows the answer of a send whose response was lost, and asks nothing twice', async () => {
    const { context, page } = await signedInPage();
    try {
      await sendMessage(page, 'First, sent normally');
      await waitForFinalAnswer(page);
      let lossy = true;
      await page.route('**/graphql', async (route) => {
        if (!lossy || !route.request().postData()?.includes('sendMessage')) {
          return route.continue();
        }
        lossy = false;
        // The server gets the request and answers; the page never sees the answer.
        await route.fetch();
        await route.abort('connectionreset');
      });
      await sendMessage(page, 'Second, its response lost');
      await waitForFinalAnswer(page, 2);
      expect(await page.locator('.notice-slot [role="alert"]').count()).toBe(0);
      expect(await page.locator('.message--user').count()).toBe(2);
      const stored = await storedMessages(
        app.fixture,
        conversationIdOf(page),
        app.fixture.tokens.alice,
      );
      expect(stored.map((m) => [m.role, m.text.slice(0, 6)])).toEqual([
        ['USER', 'First,'],
        ['ASSISTANT', expect.any(String)],
        ['USER', 'Second'],
        ['ASSISTANT', expect.any(String)],
      ]);
    } finally {
      await context.close();
    }
  });

  it('opens the conversation a lost send to a new chat made, and makes no second one', async () => {
    const { context, page } = await signedInPage();
    try {
      await page.route('**/graphql', async (route) => {
        if (!route.request().postData()?.includes('sendMessage')) return route.continue();
        // The server makes the conversation and answers; the page never sees the answer.
        await route.fetch();
        await route.abort('connectionreset');
      });
      const question = `A new chat whose response is lost ${Date.now()}`;
      await sendMessage(page, question);
      await waitForFinalAnswer(page);
      expect(await page.locator('.notice-slot [role="alert"]').count()).toBe(0);
      const id = conversationIdOf(page);
      expect(await conversationsNamedFor(question)).toEqual([id]);
      expect(await page.locator(`[data-conversation-id="${id}"]`).count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  // The server makes the conversation; then the network goes before the page can look. The
  // question is sent again, by the notice's Retry or from the composer it was put back in.
  it.each([
    ['Retry follows a lost send it could not check', 'retry'],
    ['the question is sent again from the composer', 'composer'],
  ] as const)('makes no second conversation when %s', async (_name, resend) => {
    const { context, page } = await signedInPage();
    try {
      let down = false;
      await page.route('**/graphql', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        if (down) return route.abort('connectionrefused');
        if (!route.request().postData()?.includes('sendMessage')) return route.continue();
        await route.fetch();
        down = true;
        await route.abort('connectionreset');
      });
      const question = `A lost send, sent again ${Date.now()}`;
      await sendMessage(page, question);
      const notice = page.locator('.notice-slot [role="alert"]');
      await notice.waitFor();
      down = false;
      await page.unroute('**/graphql');
      if (resend === 'retry') {
        await notice.getByRole('button', { name: 'Retry' }).click();
      } else {
        expect(await page.locator('#composer-input').inputValue()).toBe(question);
        await page.locator('#composer-input').press('Enter');
      }
      await waitForFinalAnswer(page);
      const id = conversationIdOf(page);
      expect(await conversationsNamedFor(question)).toEqual([id]);
      const stored = await storedMessages(app.fixture, id, app.fixture.tokens.alice);
      expect(stored.map((m) => m.role)).toEqual(['USER', 'ASSISTANT']);
      expect(await page.locator('.message--user').count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('keeps an answer the stream finished when the response to its send arrives late', async () => {
    const { context, page } = await signedInPage();
    try {
      const [a, b] = await twoConversations(page);

      let delivered!: () => void;
      const late = new Promise<void>((resolve) => {
        delivered = resolve;
      });
      await page.route('**/graphql', async (route) => {
        if (!route.request().postData()?.includes('sendMessage')) return route.continue();
        const response = await route.fetch();
        // Held until the answer has streamed to its end on the page.
        await page
          .locator(`${ASSISTANT}[data-status="COMPLETE"]`)
          .nth(1)
          .waitFor({ timeout: 15_000 })
          .catch(() => {});
        await route.fulfill({ response });
        delivered();
      });
      await sendMessage(page, 'Second question in A');
      // Away and back: the page reads A again and follows its answer from the server.
      await page.locator(`[data-conversation-id="${b}"]`).click();
      await page.locator(`[data-conversation-id="${a}"]`).click();
      await waitForFinalAnswer(page, 2);
      await late;
      await new Promise((resolve) => setTimeout(resolve, 300));

      const answers = page.locator(ASSISTANT);
      expect(await answers.count()).toBe(2);
      expect(await answers.nth(1).getAttribute('data-status')).toBe('COMPLETE');
      const stored = await storedMessages(app.fixture, a, app.fixture.tokens.alice);
      expect((await copiedAnswer(page)).trim()).toBe(stored.at(-1)?.text.trim());
      expect(await page.getByRole('button', { name: 'Stop generating' }).isVisible()).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('sends in another conversation while a send in the first is still on its way', async () => {
    const { context, page } = await signedInPage();
    try {
      const [one, two] = await twoConversations(page);

      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/graphql', async (route) => {
        const body = route.request().postData() ?? '';
        if (!body.includes('sendMessage') || !body.includes(one)) return route.continue();
        const response = await route.fetch();
        await held;
        await route.fulfill({ response });
      });
      await sendMessage(page, 'Held on its way');
      await page.locator(`[data-conversation-id="${two}"]`).click();
      await waitForFinalAnswer(page);
      await sendMessage(page, 'Not held');
      await waitForFinalAnswer(page, 2);
      release();
      const stored = await storedMessages(app.fixture, two, app.fixture.tokens.alice);
      expect(stored.map((m) => m.text.slice(0, 8))).toContain('Not held');
    } finally {
      await context.close();
    }
  });

  it('puts out the "answering" dot of a conversation left while it streamed', async () => {
    const { context, page } = await signedInPage();
    try {
      await sendMessage(page, 'Stream while I look elsewhere');
      await waitForStreamedWords(page, 3);
      const left = conversationIdOf(page);
      await page.locator('[data-action="new-chat"]').click();
      const dot = page.locator(`[data-conversation-id="${left}"] .live-dot`);
      expect(await dot.count()).toBe(1);
      // 60 words at 15 a second, then the next read of the summary.
      await expect.poll(() => dot.count(), { timeout: 15_000 }).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('shows an answer streaming elsewhere as answering at load, and puts the dot out', async () => {
    const sent = await app.fixture.exec<{ sendMessage: { conversation: { id: string } } }>(
      'mutation { sendMessage(input: { text: "Asked from another client" }) { conversation { id } } }',
    );
    const id = sent.data!.sendMessage.conversation.id;
    const { context, page } = await signedInPage();
    try {
      const dot = page.locator(`[data-conversation-id="${id}"] .live-dot`);
      await expect.poll(() => dot.count()).toBe(1);
      // 60 words at 15 a second, then the next read of the summary.
      await expect.poll(() => dot.count(), { timeout: 15_000 }).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('leaves a conversation deleted elsewhere while it is open, and says so', async () => {
    const { context, page } = await signedInPage();
    try {
      await sendMessage(page, 'Delete me from another tab');
      await waitForStreamedWords(page, 3);
      const id = conversationIdOf(page);
      await app.fixture.exec('mutation ($id: ID!) { deleteConversation(id: $id) }', { id });
      await expect.poll(() => page.url()).toBe(`${app.url}/`);
      await expect
        .poll(() => page.locator('.notice-slot [role="alert"]').textContent())
        .toContain('That conversation was deleted.');
      expect(await page.locator(`[data-conversation-id="${id}"]`).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('marks an answer cut off upstream as incomplete, also after a reload', async () => {
    const { context, page } = await signedInPage();
    try {
      app.fixture.emulator.queueFault({ type: 'drop_after', deltas: 5 });
      await sendMessage(page, 'This answer breaks off');
      await page
        .locator(`${ASSISTANT}:is([data-status="INCOMPLETE"], [data-status="FAILED"])`)
        .waitFor();
      await page.reload();
      const answer = page.locator(ASSISTANT).last();
      await answer.waitFor();
      const stored = await storedMessages(
        app.fixture,
        conversationIdOf(page),
        app.fixture.tokens.alice,
      );
      const last = stored.at(-1)!;
      expect(['INCOMPLETE', 'FAILED']).toContain(last.status);
      expect(await answer.getAttribute('data-status')).toBe(last.status);
      expect(await answer.textContent()).toMatch(/Incomplete|Failed/);
      await screenshot(page, 'incomplete');
    } finally {
      await context.close();
    }
  });
});
