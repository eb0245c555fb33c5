interface Waiter {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one journal: appends that arrive while a write is in flight are gathered and
 * written together by the next `sink` call (one write and one fsync for the whole batch). Each
 * `append` resolves once its text is durable.
 */
export class JournalWriter {
  private batch: Waiter[] = [];
  private draining: Promise<void> | null = null;

  /**
   * @param sink writes and fsyncs one batch of text.
   * @param onFailure called once per failed batch, after every waiting append was rejected.
   */
  constructor(
    private readonly sink: (text: string) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  get idle(): boolean {
    return this.draining === null;
  }

  append(text: string): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => {
      this.batch.push({ text, resolve, reject });
    });
    this.draining ??= this.drain();
    return durable;
  }

  /** Resolves when everything appended so far has been written (or has failed). */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.batch.length > 0) {
        const batch = this.batch;
        this.batch = [];
        try {
          await this.sink(batch.map((waiter) => waiter.text).join(''));
          for (const waiter of batch) waiter.resolve();
        } catch (error) {
          // Later appends were applied on top of the failed ones in memory: fail them too.
          const failed = [...batch, ...this.batch];
          this.batch = [];
          for (const waiter of failed) waiter.reject(error);
          this.onFailure(error);
        }
      }
    } finally {
      this.draining = null;
    }
  }
}
