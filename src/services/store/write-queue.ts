/**
 * Runs tasks one at a time, in the order they were queued. A failing task rejects its own
 * promise only; the queue moves on.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** True when no task is queued or running. */
  get idle(): boolean {
    return this.queued === 0;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.queued++;
    const result = this.tail.then(task).finally(() => {
      this.queued--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
