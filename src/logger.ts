import type { Config } from './config.js';

type Level = Config['logLevel'];
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A one-line-per-event logger to stderr. Every line passes through `redact`, so a secret
 * (the API key, a token) never reaches the log even inside an upstream error message.
 */
export function createLogger(
  level: Level = 'info',
  secrets: Array<string | undefined> = [],
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const hidden = secrets.filter((secret): secret is string => !!secret && secret.length >= 8);
  const redact = (line: string) =>
    hidden.reduce((out, secret) => out.split(secret).join('[redacted]'), line);
  const emit = (at: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : '';
    write(redact(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${extra}`));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

/** Errors keep their code, stack and cause (JSON.stringify would print `{}`): the stack is what
 * an operator needs to find an unexpected error, and the cause is the system error behind a
 * storage failure. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item) =>
      item instanceof Error
        ? {
            name: item.name,
            message: item.message,
            code: (item as NodeJS.ErrnoException).code,
            stack: item.stack,
            cause: item.cause,
          }
        : item,
    );
  } catch {
    return '[unserializable]';
  }
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = createLogger('silent');
