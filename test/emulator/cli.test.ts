import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/emulator.js';

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(process: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    process.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) resolve(match);
    });
    process.once('exit', (code) => reject(new Error(`exited with ${code} before printing`)));
  });
}

describe('threadline emulator', () => {
  it('serves until SIGTERM, then exits cleanly', async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'emulator', '--port', '0', '--reply-words', '7'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const [, baseURL] = await waitForLine(child, /listening on (http:\/\/\S+\/v1)/);
    const client = new OpenAI({ apiKey: 'test', baseURL, maxRetries: 0 });

    const response = await client.responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(response.usage?.output_tokens).toBe(7);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('lists every flag in --help and rejects bad ones', async () => {
    const printed: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (line: string) => printed.push(line);
    console.error = (line: string) => printed.push(line);
    try {
      expect(await run(['--help'])).toBe(0);
      for (const flag of ['--port', '--host', '--tps', '--reply-words', '--log-level', '--help']) {
        expect(printed.join('\n')).toContain(flag);
      }
      expect(await run(['--port', 'abc'])).toBe(2);
      expect(await run(['--reply-words', '0'])).toBe(2);
      expect(await run(['--bogus'])).toBe(2);
      // A port in use: one line, exit 1.
      const taken = net.createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as net.AddressInfo;
      printed.length = 0;
      try {
        expect(await run(['--port', String(port)])).toBe(1);
      } finally {
        taken.close();
      }
      expect(printed).toEqual([
        `threadline emulator: 127.0.0.1:${port} is in use; choose another with --port`,
      ]);
    } finally {
      console.log = log;
      console.error = error;
    }
  });
});
