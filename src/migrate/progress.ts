/**
 * Progress of a long run: a redrawn bar on a terminal, plain lines otherwise (logs, CI), so
 * piped output stays readable. Writes to stderr by default, keeping stdout for results.
 */
import type { Writable } from 'node:stream';

export interface Progress {
  /** `done` more items finished. */
  advance(done?: number): void;
  /** A plain note, e.g. a user finished. */
  note(line: string): void;
  finish(): void;
}

export const silentProgress: Progress = { advance() {}, note() {}, finish() {} };

const BAR_WIDTH = 30;
/** Redraws at most this often on a terminal. */
const REDRAW_MS = 100;
/** Without a terminal, a line at every tenth of the work. */
const LINE_STEPS = 10;

export function createProgress(
  total: number,
  label: string,
  stream: Writable & { isTTY?: boolean } = process.stderr,
): Progress {
  let done = 0;
  let lastDraw = 0;
  let lastStep = 0;
  const tty = stream.isTTY === true;
  const fraction = () => (total === 0 ? 1 : Math.min(1, done / total));

  const draw = () => {
    const filled = Math.round(fraction() * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    const percent = Math.floor(fraction() * 100);
    stream.write(`\r[${bar}] ${String(percent).padStart(3)}% ${done}/${total} ${label}`);
    lastDraw = Date.now();
  };

  return {
    advance(count = 1) {
      done += count;
      if (tty) {
        if (Date.now() - lastDraw >= REDRAW_MS || done >= total) draw();
        return;
      }
      const step = Math.floor(fraction() * LINE_STEPS);
      if (step > lastStep) {
        lastStep = step;
        stream.write(`${done}/${total} ${label} (${Math.floor(fraction() * 100)}%)\n`);
      }
    },
    note(line) {
      // On a terminal the note goes above the bar, which is then redrawn.
      if (tty) stream.write(`\r\x1b[2K${line}\n`);
      else stream.write(`${line}\n`);
      if (tty && done > 0) draw();
    },
    finish() {
      if (tty) {
        draw();
        stream.write('\n');
      }
    },
  };
}
