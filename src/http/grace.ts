import { setTimeout as sleep } from 'node:timers/promises';

/** Waits while `busy()` holds, for `graceMs` at most: a stop gives work under way its time. */
export async function graceWhile(busy: () => boolean, graceMs: number): Promise<void> {
  const deadline = performance.now() + graceMs;
  while (busy() && performance.now() < deadline) await sleep(5);
}
