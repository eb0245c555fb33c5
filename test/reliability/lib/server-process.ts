/**
 * The real server (`src/main.ts serve`) as a child process, so it can be killed with SIGKILL
 * and restarted on the same data directory. Its stderr (the log) is kept for inspection.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServerProcessOptions {
  dataDir: string;
  /** The Responses API the server talks to (an emulator's `/v1` URL). */
  upstreamURL: string;
  apiKey?: string;
  /** Extra env, e.g. `CHECKPOINT_MS`. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeFlags?: string[];
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful stop); resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      '--import',
      'tsx',
      'src/main.ts',
      'serve',
      '--port',
      '0',
      '--data-dir',
      options.dataDir,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        OPENAI_BASE_URL: options.upstreamURL,
        OPENAI_API_KEY: options.apiKey ?? 'sk-reliability-test-key',
        OPENAI_MAX_RETRIES: '0',
        LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('server did not start within 30 s')), 30_000);
    const onData = () => {
      const match = /Open (http:\/\/[^/\s]+)\//.exec(output);
      if (match) done(null, match[1]);
    };
    const onExit = (code: number | null) => done(new Error(`server exited (${code}):\n${output}`));
    function done(error: Error | null, value?: string) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as string);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  return {
    child,
    pid: child.pid as number,
    url,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
