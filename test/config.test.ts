import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, SETTINGS } from '../src/config.js';

describe('config', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.model).toBe('o1-mini');
    expect(config.contextMode).toBe('chain');
    expect(config.openaiApiKey).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
  });

  it('reads the environment and lets flags win', () => {
    const config = loadConfig(
      { PORT: '5000', OPENAI_MODEL: 'gpt-4o-mini', OPENAI_FALLBACK_MODELS: 'a, b,,c' },
      { port: '6000' },
    );
    expect(config.port).toBe(6000);
    expect(config.model).toBe('gpt-4o-mini');
    expect(config.fallbackModels).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT must be a whole number from 0 to 65535/],
    [{ CONTEXT_MODE: 'magic' }, /^CONTEXT_MODE must be one of chain, replay/],
    [{ OPENAI_BASE_URL: 'ftp://x' }, /^OPENAI_BASE_URL must be an http\(s\) URL/],
  ])('refuses %o with one line naming the setting', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('trims a base URL, as a .env file written on Windows leaves a carriage return', () => {
    expect(loadConfig({ OPENAI_BASE_URL: ' http://h:1/v1/\r' }).openaiBaseUrl).toBe(
      'http://h:1/v1',
    );
  });

  it('takes an empty environment variable as unset, but refuses an empty flag', () => {
    const config = loadConfig({ PORT: '', HOST: ' ', OPENAI_MODEL: '', CONTEXT_MODE: '' });
    const defaults = defaultConfig();
    expect([config.port, config.host, config.model, config.contextMode]).toEqual([
      defaults.port,
      defaults.host,
      defaults.model,
      defaults.contextMode,
    ]);
    expect(() => loadConfig({}, { model: '  ' })).toThrow(/^--model must not be empty/);
  });

  it('names a flag as a flag', () => {
    expect(() => loadConfig({}, { 'checkpoint-ms': '1' })).toThrow(/^--checkpoint-ms must be/);
  });

  it('has one default per setting', () => {
    const config = defaultConfig();
    for (const setting of SETTINGS) expect(setting.key in config).toBe(true);
  });
});
