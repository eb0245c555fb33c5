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

/** In a forked child: a message to the parent; `done` once it is sent. */
export const sendToParent = (message: unknown, done?: () => void) =>
  process.send?.(message, undefined, {}, done);

/**
 * In a forked child: runs `main` with the assignment of the parent's `start` message, then
 * disconnects; a failure is reported to the parent as `failed`.
 */
export function runChild<T>(name: string, main: (assignment: T) => Promise<void>): void {
  process.once('message', (message: { type: string; assignment: T }) => {
    if (message.type !== 'start') return;
    main(message.assignment).then(
      () => process.disconnect(),
      (error: unknown) => {
        console.error(`${name} failed:`, error);
        sendToParent({ type: 'failed', error: String(error) }, () => process.disconnect());
      },
    );
  });
}
