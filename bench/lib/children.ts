/** Forked bench processes (TypeScript through tsx) that report over IPC. */
import { type ChildProcess, fork } from 'node:child_process';

export function forkTs(file: string, nodeArgs: string[] = []): ChildProcess {
  return fork(file, [], {
    execArgv: [...nodeArgs, '--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The child's next message of `type`; rejects when it reports `failed` or exits first. */
export function waitFor(child: ChildProcess, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (message.type === 'failed') reject(new Error(`child failed: ${String(message.error)}`));
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before ${type}`)));
  });
}
