/**
 * Writes a streaming answer's partial text at most once per interval, so a crash loses at most
 * that much and the store is not written per delta. The text only grows, so each write is the
 * piece added since the last one and where it starts. The deltas are kept as they came and
 * joined once per write: neither the whole text nor a rope of every delta is built per
 * interval. Writes never overlap; `close()` stops the checkpoints and waits for a write in
 * flight, so the final write that follows is the last one.
 */
export class Checkpointer {
  /** The text after the first `#written` characters, in pieces. */
  #unsaved: string[] = [];
  #written = 0;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly clock: CheckpointClock,
    private readonly write: (piece: string, from: number) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  append(delta: string): void {
    if (this.#closed) return;
    this.#unsaved.push(delta);
    this.clock.due(this);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.clock.cancel(this);
    await this.#inFlight;
  }

  /** Called by the clock. */
  tick(): void {
    if (this.#closed || this.#unsaved.length === 0) return;
    this.#inFlight = this.#inFlight.then(() => this.#save());
  }

  async #save(): Promise<void> {
    const count = this.#unsaved.length;
    // An earlier tick's write, queued behind a slow one, already took the text.
    if (count === 0) return;
    const piece = count === 1 ? (this.#unsaved[0] as string) : this.#unsaved.join('');
    try {
      await this.write(piece, this.#written);
      this.#written += piece.length;
      this.#unsaved.splice(0, count);
    } catch (error) {
      // Kept, joined, for the next write to try again with what came after it.
      this.#unsaved.splice(0, count, piece);
      this.onError(error);
    }
  }
}

/**
 * One timer for every streaming answer: each interval, the answers with unsaved text write it
 * in the same tick, so the store turns the checkpoints of many answers into one append per user
 * instead of one each. Text is saved at most one interval after it arrived, as with a timer
 * per answer. The timer runs only while some answer has unsaved text.
 */
export class CheckpointClock {
  #due = new Set<Checkpointer>();
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs: number) {}

  due(checkpointer: Checkpointer): void {
    this.#due.add(checkpointer);
    this.#timer ??= setInterval(() => this.#tick(), this.intervalMs);
  }

  cancel(checkpointer: Checkpointer): void {
    this.#due.delete(checkpointer);
    this.#stopIfIdle();
  }

  #tick(): void {
    const due = this.#due;
    this.#due = new Set();
    for (const checkpointer of due) checkpointer.tick();
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
    if (this.#due.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }
}
