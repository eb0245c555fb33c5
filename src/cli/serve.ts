import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { ConfigError, loadConfig, SETTINGS, settingFlags } from '../config.js';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { createLogger, type Logger } from '../logger.js';
import { isCode } from '../services/store/atomic-file.js';
import { webBuildState } from './web-build.js';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));

function help(): string {
  // As wide as the longest flag and two spaces, so every description starts in one column.
  const width = Math.max(...SETTINGS.map((setting) => setting.flag.length), 'h, --help'.length);
  const rows = SETTINGS.map((setting) => {
    const fallback = Array.isArray(setting.default)
      ? setting.default.join(',') || 'none'
      : (setting.default ?? 'none');
    return `  --${setting.flag.padEnd(width + 1)} ${setting.help}\n  ${' '.repeat(width + 3)} env ${setting.env}, default ${fallback}`;
  });
  return `Usage: threadline serve [options]

Serves the GraphQL API (POST, GET, SSE and WebSocket on /graphql), GraphiQL and the web app.
Without OPENAI_API_KEY (and OPENAI_BASE_URL) it runs offline on the built-in emulator.
Flags override environment variables.

Options:
${rows.join('\n')}
  -${'h, --help'.padEnd(width + 2)} Show this help`;
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...settingFlags(), help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`threadline serve: ${(error as Error).message}\nRun "threadline serve --help".`);
    return 2;
  }
  if (values.help) {
    console.log(help());
    return 0;
  }
  const config = loadConfig(process.env, values);
  const logger = createLogger(config.logLevel, [config.openaiApiKey]);

  const offline = !config.openaiApiKey && !config.openaiBaseUrl;
  let emulator: Emulator | null = null;
  // Known to this process alone, so only it can use its emulator.
  const emulatorKey = randomBytes(24).toString('base64url');
  if (offline) {
    emulator = await startEmulator({
      port: 0,
      tokensPerSecond: config.emulatorTokensPerSecond,
      apiKey: emulatorKey,
    });
    logger.info('offline mode: answers come from the built-in emulator', {
      emulator: emulator.baseURL,
    });
  } else {
    // Where every answer comes from: the first thing to check when none does.
    logger.info('answers come from the model service', {
      baseURL: withoutCredentials(config.openaiBaseUrl ?? 'https://api.openai.com/v1'),
      model: config.model,
    });
  }
  const app = await createApp(config, {
    logger,
    offline,
    responsesBaseURL: emulator?.baseURL,
    responsesApiKey: emulator ? emulatorKey : undefined,
  }).catch(async (error: unknown) => {
    await emulator?.close();
    throw error;
  });
  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    // Nothing may outlive a failed start: the data-directory lock, the port, the emulator.
    await app.stop().catch(() => {});
    await emulator?.close();
    if (isCode(error, 'EADDRINUSE')) {
      throw new ConfigError(
        `${config.host}:${config.port} is in use (another server?); choose a port with --port or PORT`,
      );
    }
    // A name that does not resolve, or an address this machine does not have.
    if (isCode(error, 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL')) {
      throw new ConfigError(
        `cannot listen on ${config.host} (${(error as Error).message}); choose an address with --host or HOST`,
      );
    }
    throw error;
  }
  // From here on the server is up: a signal stops it cleanly, a build under way included.
  const stop = stopOnSignal(logger, () => app.stop().finally(() => emulator?.close()));
  // Once the start has worked: a port in use is reported without waiting for a build first.
  await buildWebIfNeeded(logger, stop.signal);
  if (stop.signal.aborted) return stop.exitCode;
  // After the build: a start stopped during it has made no user whose token it never showed.
  let created: Awaited<ReturnType<typeof app.services.users.ensureDefaultUser>>;
  try {
    created = await app.services.users.ensureDefaultUser();
  } catch (error) {
    stop.now();
    await stop.exitCode;
    throw error;
  }
  if (created) {
    console.log(`Created user "${created.name}". Open ${url}/?token=${created.token}`);
  } else {
    // Tokens are shown once; `threadline users add NAME` makes a new user and token.
    console.log(`Open ${url}/ and sign in with your token (threadline users add NAME)`);
  }
  console.log(`GraphiQL: ${url}/graphql`);
  return stop.exitCode;
}

/**
 * Stops the server at SIGINT or SIGTERM (or `now`); `exitCode` settles once it has stopped.
 * A second signal exits at once.
 */
function stopOnSignal(logger: Logger, stopServer: () => Promise<unknown>) {
  const controller = new AbortController();
  let begin: (signal: NodeJS.Signals | null) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    begin = (signal) => {
      if (controller.signal.aborted) {
        logger.warn('second signal: exiting without waiting', { signal });
        process.exit(1);
      }
      controller.abort();
      if (signal) logger.info('shutting down', { signal });
      stopServer().then(
        () => {
          // Whatever is still pending after a clean stop (such as the SDK's sleep before a
          // retry it will no longer make) must not keep the process alive for long.
          setTimeout(() => process.exit(0), 1_000).unref();
          resolve(0);
        },
        (error: unknown) => {
          // What could not be folded is still in the journals, read at the next start.
          logger.error('shutdown failed', { error });
          setTimeout(() => process.exit(1), 1_000).unref();
          resolve(1);
        },
      );
    };
  });
  // `on`, not `once`: a second Ctrl-C must reach the handler's "exit without waiting".
  process.on('SIGINT', begin);
  process.on('SIGTERM', begin);
  return { signal: controller.signal, exitCode, now: () => begin(null) };
}

/** A URL for the log: any user name and password in it stay out. */
function withoutCredentials(raw: string): string {
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  return url.href;
}

/** The web app is built on first start and after its sources change (`web-build.ts`). */
async function buildWebIfNeeded(logger: Logger, signal: AbortSignal): Promise<void> {
  const state = webBuildState(WEB_DIR);
  if (state !== 'missing' && state !== 'stale') return;
  logger.info('building the web app (npx vite build web)', {
    reason: state === 'missing' ? 'not built yet' : 'its sources changed',
  });
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npx', ['vite', 'build', WEB_DIR], {
      stdio: ['ignore', process.stderr, 'inherit'],
      shell: process.platform === 'win32',
    });
    child.on('error', () => resolve(null));
    child.on('exit', resolve);
    // A stop does not wait for the build. It is left to finish: cut short, it could leave
    // a web/dist that looks built.
    signal.addEventListener(
      'abort',
      () => {
        child.unref();
        resolve(null);
      },
      { once: true },
    );
  });
  if (code !== 0 && !signal.aborted) {
    logger.warn('the web app could not be built; run npm run build:web');
  }
}
