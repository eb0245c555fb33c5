/**
 * Writes a streaming answer's partial text at most once per interval, so a crash loses at most
 * that much and the store is not written per delta. The text only grows, so each write is the
 * piece added since the last one and where it starts. Writes never overlap; `close()` cancels
 * the timer and waits for a write in flight, so the final write that follows is the last one.
 */
export class Checkpointer {
  #latest = '';
  /** Characters of `#latest` already written. */
  #written = 0;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (piece: string, from: number) => Promise<void>,
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
    if (this.#closed || this.#latest.length === this.#written) return;
    const from = this.#written;
    const to = this.#latest.length;
    const piece = this.#latest.slice(from);
    this.#inFlight = this.#inFlight
      .then(() => this.write(piece, from))
      .then(
        () => {
          this.#written = to;
        },
        (error: unknown) => this.onError(error),
      );
  }
}
