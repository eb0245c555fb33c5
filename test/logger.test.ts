import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

describe('logger', () => {
  it('logs an error with its stack, code and cause, on one line, secrets redacted', () => {
    const lines: string[] = [];
    const logger = createLogger('info', ['sk-secret-key-123'], (line) => lines.push(line));
    const cause = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const error = new Error('could not save for sk-secret-key-123', { cause });
    logger.error('write failed', { error });

    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain('\n');
    expect(line).not.toContain('sk-secret-key-123');
    const fields = JSON.parse(line.slice(line.indexOf('{')));
    expect(fields.error.message).toBe('could not save for [redacted]');
    expect(fields.error.stack).toContain('logger.test.ts');
    expect(fields.error.cause).toMatchObject({ code: 'ENOSPC', name: 'Error' });
    expect(fields.error.cause.stack).toContain('ENOSPC');
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', [], (line) => lines.push(line));
    logger.info('not shown');
    logger.warn('shown');
    expect(lines).toEqual([expect.stringMatching(/WARN shown$/)]);
  });
});
