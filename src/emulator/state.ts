import type { Logger } from '../logger.js';
import { invalidRequest } from './errors.js';
import { FaultQueue } from './faults.js';
import type { WireResponse } from './response.js';
import { ResponseStore } from './store.js';
import { ThreadStore } from './threads.js';
import type { Pacing, RecordedRequest } from './types.js';

export const DEFAULT_REPLY_WORDS = 60;
/** The request log keeps the latest requests only: `serve` runs an emulator for as long as it
 * runs, and each record holds a whole input. */
const REQUEST_LOG_CAPACITY = 1_000;

/** A stream in flight, so that cancel can reach it. */
export interface ActiveStream {
  response: WireResponse;
  controller: AbortController;
}

/** Everything one emulator remembers between requests. */
export class EmulatorState {
  readonly store = new ResponseStore();
  readonly faults = new FaultQueue();
  readonly threads = new ThreadStore();
  readonly active = new Map<string, ActiveStream>();
  requestLog: RecordedRequest[] = [];
  pacing: Required<Pacing>;
  /** Settles when held streams may send their deltas; null when streams are not held. */
  held: Promise<void> | null = null;
  #release: () => void = () => {};

  constructor(
    private readonly initialPacing: Required<Pacing>,
    readonly logger: Logger,
  ) {
    this.pacing = { ...initialPacing };
  }

  setPacing(options: Pacing): void {
    const { tokensPerSecond, replyWords, stampDeltas, hold } = options;
    if (
      tokensPerSecond !== undefined &&
      !(Number.isFinite(tokensPerSecond) && tokensPerSecond >= 0)
    ) {
      throw invalidRequest('tokensPerSecond must be a number >= 0.', 'tokensPerSecond');
    }
    if (replyWords !== undefined && !(Number.isInteger(replyWords) && replyWords >= 1)) {
      throw invalidRequest('replyWords must be a whole number >= 1.', 'replyWords');
    }
    if (stampDeltas !== undefined && typeof stampDeltas !== 'boolean') {
      throw invalidRequest('stampDeltas must be a boolean.', 'stampDeltas');
    }
    if (hold !== undefined && typeof hold !== 'boolean') {
      throw invalidRequest('hold must be a boolean.', 'hold');
    }
    if (hold === true && !this.held) {
      this.held = new Promise((resolve) => {
        this.#release = resolve;
      });
    } else if (hold === false) {
      this.#release();
      this.held = null;
    }
    this.pacing = {
      tokensPerSecond: tokensPerSecond ?? this.pacing.tokensPerSecond,
      replyWords: replyWords ?? this.pacing.replyWords,
      stampDeltas: stampDeltas ?? this.pacing.stampDeltas,
      hold: this.held !== null,
    };
  }

  record(request: RecordedRequest): void {
    if (this.requestLog.length >= REQUEST_LOG_CAPACITY) this.requestLog.shift();
    this.requestLog.push(request);
  }

  /** Streams in flight keep running; everything else starts over. */
  reset(): void {
    this.store.clear();
    this.faults.clear();
    this.threads.clear();
    this.requestLog = [];
    this.setPacing({ ...this.initialPacing, hold: false });
  }
}
