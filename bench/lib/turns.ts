/**
 * Follows one conversation's live stream across turns and tells, per assistant message, when
 * its first delta and its final event arrived. Events may arrive before `sendMessage` returns
 * the message id, so every message is recorded from its first event on.
 */
import type { Client } from 'graphql-ws';
import { epochMs, type StreamEvent, subscribe } from './graphql.js';

export interface TurnRecord {
  /** Epoch ms of the first TextDelta. */
  firstDeltaAt: number;
  /** Epoch ms of TextDone or StreamError. */
  endedAt: number;
  chars: number;
  deltaEvents: number;
  finalText: string | null;
  error: string | null;
}

export class TurnWatcher {
  readonly #records = new Map<string, TurnRecord>();
  readonly #waiters = new Map<string, (record: TurnRecord) => void>();
  readonly #unsubscribe: () => void;

  constructor(client: Client, conversationId: string) {
    this.#unsubscribe = subscribe(
      client,
      conversationId,
      (event, at) => this.#onEvent(event, at),
      (error) => {
        throw error instanceof Error ? error : new Error(JSON.stringify(error));
      },
    );
  }

  /** Resolves once message `messageId` has ended. */
  ended(messageId: string): Promise<TurnRecord> {
    const record = this.#records.get(messageId);
    if (record && Number.isFinite(record.endedAt)) return Promise.resolve(record);
    return new Promise((resolve) => this.#waiters.set(messageId, resolve));
  }

  close(): void {
    this.#unsubscribe();
  }

  #onEvent(event: StreamEvent, at: number): void {
    let record = this.#records.get(event.messageId);
    if (!record) {
      record = {
        firstDeltaAt: Number.NaN,
        endedAt: Number.NaN,
        chars: 0,
        deltaEvents: 0,
        finalText: null,
        error: null,
      };
      this.#records.set(event.messageId, record);
    }
    if (event.__typename === 'TextDelta') {
      if (record.deltaEvents === 0) record.firstDeltaAt = at;
      record.deltaEvents++;
      record.chars += event.delta?.length ?? 0;
      return;
    }
    if (event.__typename === 'TextCreated') return;
    record.endedAt = epochMs();
    record.finalText = event.text ?? null;
    record.error = event.__typename === 'StreamError' ? `${event.code}: ${event.message}` : null;
    this.#waiters.get(event.messageId)?.(record);
    this.#waiters.delete(event.messageId);
  }
}
