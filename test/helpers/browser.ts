/**
 * Headless Chromium for the end-to-end tests: the Debian `chromium` package driven by
 * playwright-core, the web app built fresh into a temp directory, and screenshots saved under
 * `test-artifacts/screenshots/` (not committed).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/types.js';
import { type AppFixture, createAppFixture } from './app.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** False on a machine without chromium: the e2e suites skip and say why. */
export const hasChromium = existsSync(CHROMIUM_PATH);
export const skipReason = `e2e skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const screenshotDir = path.join(repoRoot, 'test-artifacts', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface BuiltWeb {
  dir: string;
  remove(): Promise<void>;
}

/** Builds `web/` into a fresh temp directory, so the tests never serve a stale `web/dist`. */
export async function buildWeb(): Promise<BuiltWeb> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'threadline-web-'));
  await build({
    configFile: path.join(repoRoot, 'web', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true, sourcemap: false },
  });
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * A desktop-sized context that collects uncaught page errors and console warnings/errors, so a
 * test can assert there were none.
 */
export async function newContext(
  browser: Browser,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') errors.push(message.text());
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** What `browserApp` starts; the fields are set once its `beforeAll` has run. */
export interface BrowserApp {
  fixture: AppFixture;
  browser: Browser;
  url: string;
  /** The freshly built web app, when asked for. */
  web: BuiltWeb | null;
}

/**
 * The app on the emulator (serving a fresh build of `web/` when `withWeb`) and a Chromium,
 * started before the enclosing suite's tests and closed after them.
 */
export function browserApp(options: { emulator: EmulatorOptions; withWeb?: boolean }): BrowserApp {
  const app = { web: null } as BrowserApp;
  beforeAll(async () => {
    app.web = options.withWeb ? await buildWeb() : null;
    app.fixture = await createAppFixture({
      emulator: options.emulator,
      ...(app.web ? { app: { webDistDir: app.web.dir } } : {}),
    });
    app.url = await app.fixture.start();
    app.browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await app.browser?.close();
    await app.fixture?.close();
    await app.web?.remove();
  });
  return app;
}
