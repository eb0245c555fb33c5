import { previousResponseNotFound } from './errors.js';
import type { TextMessage } from './request.js';
import { outputText, type WireResponse } from './response.js';

interface StoredResponse {
  response: WireResponse;
  /** This response's own input; earlier turns live in the responses it chains from. */
  input: TextMessage[];
}

/** Beyond this many stored responses the oldest are forgotten, as if they had expired. */
const DEFAULT_CAPACITY = 50_000;

/** Stored responses (`store: true`) and the conversations their `previous_response_id` chains form. */
export class ResponseStore {
  private readonly entries = new Map<string, StoredResponse>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Saves a response at creation; the caller keeps mutating `response` as it progresses. */
  save(response: WireResponse, input: TextMessage[]): void {
    this.entries.set(response.id, { response, input });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get(id: string): WireResponse | undefined {
    return this.entries.get(id)?.response;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * The conversation up to and including response `id`: each response's input followed by its
   * output text, oldest first. Only `id` itself must exist (else the API's 400); a forgotten
   * response further back simply starts the visible history there.
   */
  conversation(id: string): TextMessage[] {
    let entry = this.entries.get(id);
    if (!entry) throw previousResponseNotFound(id);
    const turns: TextMessage[][] = [];
    while (entry) {
      turns.push([...entry.input, { role: 'assistant', text: outputText(entry.response) }]);
      const previous: string | null | undefined = entry.response.previous_response_id;
      entry = previous ? this.entries.get(previous) : undefined;
    }
    return turns.reverse().flat();
  }
}
