import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index.js';
import { createLogger } from '../logger.js';
import { isCode } from '../services/store/atomic-file.js';

const DEFAULT_PORT = 4010;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

const HELP = `Usage: threadline emulator [options]

Runs the local OpenAI Responses API emulator until SIGINT or SIGTERM.
Point a client at the printed base URL (e.g. OPENAI_BASE_URL=http://127.0.0.1:${DEFAULT_PORT}/v1).

Options:
  --port N          Port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --host H          Address to listen on (default 127.0.0.1)
  --tps N           Text deltas per second per stream, 0 = as fast as possible (default 0)
  --reply-words N   Reply length in words; each word is one text delta (default 60)
  --stamp           Each delta reads "#<index>@<epoch ms> ": its write time, for latency benches
  --log-level L     ${LOG_LEVELS.join(', ')} (default info)
  -h, --help        Show this help

Control endpoints: POST /__emulator/faults, GET /__emulator/requests, POST /__emulator/expire,
POST /__emulator/pacing, POST /__emulator/reset, POST /__emulator/threads/{id}, GET /healthz.`;

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        tps: { type: 'string' },
        'reply-words': { type: 'string' },
        stamp: { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`threadline emulator: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const level = (values['log-level'] ?? 'info') as (typeof LOG_LEVELS)[number];
  let port: number;
  let tps: number;
  let replyWords: number;
  try {
    port = wholeNumber(values.port, DEFAULT_PORT, 0, 65_535, '--port');
    tps = wholeNumber(values.tps, 0, 0, 1_000_000, '--tps');
    replyWords = wholeNumber(values['reply-words'], 60, 1, 10_000_000, '--reply-words');
    if (!LOG_LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS}`);
  } catch (error) {
    console.error(`threadline emulator: ${(error as Error).message}`);
    return 2;
  }

  const logger = createLogger(level);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      port,
      host,
      tokensPerSecond: tps,
      replyWords,
      stampDeltas: values.stamp === true,
      logger,
    });
  } catch (error) {
    if (!isCode(error, 'EADDRINUSE')) throw error;
    console.error(`threadline emulator: ${host}:${port} is in use; choose another with --port`);
    return 1;
  }
  console.log(`Responses emulator listening on ${emulator.baseURL}`);
  const signal = await nextSignal();
  logger.info('emulator stopping', { signal });
  await emulator.close();
  return 0;
}

function wholeNumber(raw: unknown, fallback: number, min: number, max: number, flag: string) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  }
  return value;
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
