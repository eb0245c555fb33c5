import path from 'node:path';

/** Everything Threadline can be told, validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  openaiApiKey: string | undefined;
  /** Undefined: the SDK's default, or the in-process emulator when there is no API key. */
  openaiBaseUrl: string | undefined;
  model: string;
  fallbackModels: string[];
  contextMode: 'chain' | 'replay';
  /** SDK retries for 429/5xx/connection errors. */
  maxRetries: number;
  /** SDK request timeout: connecting and waiting for the response headers. */
  timeoutMs: number;
  /** The longest silence tolerated inside a running stream (a reasoning model may think long). */
  streamIdleMs: number;
  maxMessageChars: number;
  maxChatNameChars: number;
  maxBodyBytes: number;
  /** Open client connections (HTTP and WebSocket) allowed at once; 0: `defaultMaxConnections`. */
  maxConnections: number;
  maxQueryDepth: number;
  /** Answers one user may have streaming at once; 0: no limit. */
  maxAnswersPerUser: number;
  /** Answers one user may start in an hour (a burst of that many, then a steady refill). */
  maxAnswersPerHour: number;
  /** Conversations one user may hold; 0: no limit. A migration is not held to it. */
  maxConversationsPerUser: number;
  /** Worker threads that read upstream streams; 0 reads them on the main thread. */
  upstreamThreads: number;
  /** How often a streaming answer's partial text is written to storage. */
  checkpointMs: number;
  /** How long a finished turn's events stay replayable. */
  replayTtlMs: number;
  /** Offline emulator pacing: tokens per second per stream (0 = as fast as possible). */
  emulatorTokensPerSecond: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  flag: string;
  parse: (raw: string, name: string) => Config[K];
  default: Config[K];
  help: string;
}

const integer =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };

const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string, name: string): T => {
    if (!values.includes(raw as T)) {
      throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };

const text = (raw: string, name: string): string => {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
};

const optionalText = (raw: string): string | undefined => raw.trim() || undefined;

const url = (raw: string, name: string): string | undefined => {
  // Trimmed: a value from a .env file written on Windows ends in \r.
  const value = raw.trim();
  if (value === '') return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return value.replace(/\/+$/, '');
};

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Every setting: its env variable, its flag, how it is parsed, and its default. */
export const SETTINGS = [
  {
    key: 'port',
    env: 'PORT',
    flag: 'port',
    parse: integer(0, 65535),
    default: 4000,
    help: 'HTTP port (0 = any free port)',
  },
  {
    key: 'host',
    env: 'HOST',
    flag: 'host',
    parse: text,
    default: '127.0.0.1',
    help: 'Address to listen on',
  },
  {
    key: 'dataDir',
    env: 'DATA_DIR',
    flag: 'data-dir',
    parse: text,
    default: './data',
    help: 'Where conversations and users are stored',
  },
  {
    key: 'openaiApiKey',
    env: 'OPENAI_API_KEY',
    flag: 'openai-api-key',
    parse: optionalText,
    default: undefined,
    help: 'OpenAI API key; without one and without a base URL, serve runs offline on the built-in emulator',
  },
  {
    key: 'openaiBaseUrl',
    env: 'OPENAI_BASE_URL',
    flag: 'openai-base-url',
    parse: url,
    default: undefined,
    help: 'Any OpenAI-compatible Responses API base URL',
  },
  {
    key: 'model',
    env: 'OPENAI_MODEL',
    flag: 'model',
    parse: text,
    default: 'o1-mini',
    help: 'Model for new turns',
  },
  {
    key: 'fallbackModels',
    env: 'OPENAI_FALLBACK_MODELS',
    flag: 'fallback-models',
    parse: list,
    default: [],
    help: 'Comma-separated models tried in order when the model is unavailable',
  },
  {
    key: 'contextMode',
    env: 'CONTEXT_MODE',
    flag: 'context-mode',
    parse: oneOf('chain', 'replay'),
    default: 'chain',
    help: 'chain: previous_response_id; replay: always send the full history',
  },
  {
    key: 'maxRetries',
    env: 'OPENAI_MAX_RETRIES',
    flag: 'max-retries',
    parse: integer(0, 10),
    default: 2,
    help: 'SDK retries on 429, 5xx and connection errors',
  },
  {
    key: 'timeoutMs',
    env: 'OPENAI_TIMEOUT_MS',
    flag: 'timeout-ms',
    parse: integer(1000, 3_600_000),
    default: 120_000,
    help: 'Upstream request timeout in ms, until the response starts',
  },
  {
    key: 'streamIdleMs',
    env: 'OPENAI_STREAM_IDLE_MS',
    flag: 'stream-idle-ms',
    parse: integer(1000, 3_600_000),
    default: 600_000,
    help: 'Longest silence inside a running stream before it fails with TIMEOUT, in ms',
  },
  {
    key: 'upstreamThreads',
    env: 'UPSTREAM_THREADS',
    flag: 'upstream-threads',
    parse: integer(0, 64),
    default: 0,
    help: 'Worker threads that read model streams (0 = the main thread)',
  },
  {
    key: 'maxMessageChars',
    env: 'MAX_MESSAGE_CHARS',
    flag: 'max-message-chars',
    parse: integer(1, 10_000_000),
    default: 100_000,
    help: 'Longest message text accepted, in characters',
  },
  {
    key: 'maxChatNameChars',
    env: 'MAX_CHAT_NAME_CHARS',
    flag: 'max-chat-name-chars',
    parse: integer(1, 10_000),
    default: 200,
    help: 'Longest chat name accepted, in characters',
  },
  {
    key: 'maxBodyBytes',
    env: 'MAX_BODY_BYTES',
    flag: 'max-body-bytes',
    parse: integer(1024, 100_000_000),
    default: 1_000_000,
    help: 'Largest HTTP request body accepted',
  },
  {
    key: 'maxConnections',
    env: 'MAX_CONNECTIONS',
    flag: 'max-connections',
    parse: integer(0, 10_000_000),
    default: 0,
    help: 'Open client connections allowed at once (0 = half the open-file limit)',
  },
  {
    key: 'maxAnswersPerUser',
    env: 'MAX_ANSWERS_PER_USER',
    flag: 'max-answers-per-user',
    parse: integer(0, 1_000_000),
    default: 50,
    help: 'Answers one user may have streaming at once (0 = no limit)',
  },
  {
    key: 'maxAnswersPerHour',
    env: 'MAX_ANSWERS_PER_HOUR',
    flag: 'max-answers-per-hour',
    parse: integer(0, 1_000_000_000),
    default: 600,
    help: 'Answers one user may start in an hour, refilled steadily (0 = no limit)',
  },
  {
    key: 'maxConversationsPerUser',
    env: 'MAX_CONVERSATIONS_PER_USER',
    flag: 'max-conversations-per-user',
    parse: integer(0, 1_000_000_000),
    default: 10_000,
    help: 'Conversations one user may hold; a migration may bring more (0 = no limit)',
  },
  {
    key: 'maxQueryDepth',
    env: 'MAX_QUERY_DEPTH',
    flag: 'max-query-depth',
    parse: integer(2, 100),
    default: 12,
    help: 'Deepest GraphQL selection accepted',
  },
  {
    key: 'checkpointMs',
    env: 'CHECKPOINT_MS',
    flag: 'checkpoint-ms',
    parse: integer(10, 60_000),
    default: 500,
    help: 'How often partial answers are saved, in ms',
  },
  {
    key: 'replayTtlMs',
    env: 'REPLAY_TTL_MS',
    flag: 'replay-ttl-ms',
    parse: integer(1000, 86_400_000),
    default: 300_000,
    help: 'How long a finished stream stays replayable, in ms',
  },
  {
    key: 'emulatorTokensPerSecond',
    env: 'EMULATOR_TOKENS_PER_SECOND',
    flag: 'emulator-tps',
    parse: integer(0, 1_000_000),
    default: 40,
    help: 'Offline emulator pacing (0 = as fast as possible)',
  },
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    flag: 'log-level',
    parse: oneOf('debug', 'info', 'warn', 'error', 'silent'),
    default: 'info',
    help: 'debug, info, warn, error or silent',
  },
] as const satisfies readonly Setting<keyof Config>[];

/** Defaults, for tests and tools that build a Config by hand. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const config = {} as Record<string, unknown>;
  for (const setting of SETTINGS) config[setting.key] = setting.default;
  return { ...(config as unknown as Config), ...overrides };
}

/**
 * Builds the Config from the environment and flags (flags win). Throws a ConfigError whose
 * message is one line naming the setting.
 */
export function loadConfig(env: Env = process.env, flags: Record<string, unknown> = {}): Config {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  for (const setting of SETTINGS) {
    const flagValue = flags[setting.flag];
    const envValue = env[setting.env];
    if (typeof flagValue === 'string') {
      config[setting.key] = setting.parse(flagValue, `--${setting.flag}`);
    } else if (envValue !== undefined && envValue.trim() !== '') {
      // An empty variable is unset: compose files and .env templates leave many as `NAME=`.
      config[setting.key] = setting.parse(envValue, setting.env);
    }
  }
  const result = config as unknown as Config;
  result.dataDir = path.resolve(result.dataDir);
  return result;
}

/** parseArgs option descriptions for every setting. */
export function settingFlags(): Record<string, { type: 'string' }> {
  return Object.fromEntries(SETTINGS.map((setting) => [setting.flag, { type: 'string' as const }]));
}
