/**
 * Writes a streaming answer's partial text at most once per interval, so a crash loses at most
 * that much and the store is not written per delta. Writes never overlap; `close()` cancels the
 * timer and waits for a write in flight, so the final write that follows is the last one.
 */
export class Checkpointer {
  #latest = '';
  #written = '';
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (text: string) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  update(text: string): void {
    if (this.#closed) return;
    this.#latest = text;
    this.#timer ??= setTimeout(() => this.#tick(), this.intervalMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight;
  }

  #tick(): void {
    this.#timer = null;
    if (this.#closed || this.#latest === this.#written) return;
    const text = this.#latest;
    this.#inFlight = this.#inFlight
      .then(() => this.write(text))
      .then(
        () => {
          this.#written = text;
        },
        (error: unknown) => this.onError(error),
      );
  }
}
