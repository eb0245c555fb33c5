import type { ServerResponse } from 'node:http';
import { newId } from './ids.js';

/**
 * Writes `event: <type>` + `data: <json>` frames to one response: frames queue until `flush`,
 * which writes them as one chunk and waits out backpressure. Once the client is gone every call
 * is a no-op.
 */
export class SseWriter {
  private buffer = '';
  private gone = false;
  private wake: (() => void) | undefined;

  constructor(private readonly res: ServerResponse) {
    res.on('close', () => {
      this.gone = true;
      this.wake?.();
    });
  }

  /** Sends the status line and headers of an event stream. */
  open(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': newId('req'),
    });
    this.res.flushHeaders();
  }

  get closed(): boolean {
    return this.gone || this.res.destroyed;
  }

  /** Queues an event; `payload` must already carry `type` and `sequence_number`. */
  event(type: string, payload: object): void {
    this.buffer += `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
  }

  /** Queues a pre-built frame (the hot path: text deltas). */
  frame(frame: string): void {
    this.buffer += frame;
  }

  /** Writes what is queued; resolves once the socket can take more (false if the client left). */
  async flush(): Promise<boolean> {
    if (this.closed) return false;
    if (this.buffer === '') return true;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.res.write(chunk)) await this.until('drain');
    return !this.closed;
  }

  /** Flushes, then ends the response normally. */
  async end(): Promise<void> {
    if (await this.flush()) this.res.end();
  }

  /**
   * A dropped connection: everything queued still reaches the client, then the socket closes
   * without the chunked terminator, so the client sees the body end early.
   */
  drop(): void {
    const socket = this.res.socket;
    if (this.closed || !socket) return;
    if (this.buffer !== '') this.res.write(this.buffer);
    this.buffer = '';
    socket.end(() => socket.destroy());
  }

  private until(event: 'drain'): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off(event, done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.res.on(event, done);
    });
  }
}
