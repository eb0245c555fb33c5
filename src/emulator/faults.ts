import { invalidRequest } from './errors.js';
import type { Fault, RequestFault, StreamFault } from './types.js';

interface Queued {
  fault: Fault;
  remaining: number;
}

/** Scripted failures, consumed first-in first-out by the requests they match. */
export class FaultQueue {
  private queue: Queued[] = [];

  push(fault: Fault): void {
    const count = 'count' in fault && fault.count !== undefined ? fault.count : 1;
    this.queue.push({ fault, remaining: count });
  }

  /** A fault answering this request before it starts: an HTTP error or a missing model. */
  takeRequestFault(model: string): RequestFault | undefined {
    return this.take(
      (fault): fault is RequestFault =>
        fault.type === 'http_error' ||
        (fault.type === 'model_not_found' && (fault.model === undefined || fault.model === model)),
    );
  }

  /** A fault for the next streaming request's event stream. */
  takeStreamFault(): StreamFault | undefined {
    return this.take(
      (fault): fault is StreamFault =>
        fault.type !== 'http_error' && fault.type !== 'model_not_found',
    );
  }

  clear(): void {
    this.queue = [];
  }

  private take<T extends Fault>(matches: (fault: Fault) => fault is T): T | undefined {
    const index = this.queue.findIndex((queued) => matches(queued.fault));
    const queued = this.queue[index];
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.queue.splice(index, 1);
    return queued.fault as T;
  }
}

const FAULT_FIELDS: Record<Fault['type'], Record<string, 'count' | 'string' | 'boolean'>> = {
  http_error: { status: 'count', retryAfterSeconds: 'count', count: 'count' },
  drop_after: { deltas: 'count' },
  response_failed: { afterDeltas: 'count' },
  error_event: { afterDeltas: 'count', code: 'string', message: 'string', nested: 'boolean' },
  incomplete: { afterDeltas: 'count' },
  stall: { afterDeltas: 'count', ms: 'count' },
  malformed_sse: { afterDeltas: 'count' },
  model_not_found: { model: 'string', count: 'count' },
};
const REQUIRED: Partial<Record<Fault['type'], string[]>> = {
  http_error: ['status'],
  drop_after: ['deltas'],
  stall: ['afterDeltas', 'ms'],
};
const HTTP_ERROR_STATUSES = [429, 500, 502, 503];

/** Validates a fault sent to the control endpoint (a typo there should fail loudly, not silently). */
export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('A fault must be an object with a "type".', 'type');
  }
  const fields = value as Record<string, unknown>;
  const type = fields.type as Fault['type'];
  const allowed = FAULT_FIELDS[type];
  if (!allowed) {
    const types = Object.keys(FAULT_FIELDS).join(', ');
    throw invalidRequest(`Unknown fault type '${String(type)}'; expected one of ${types}.`, 'type');
  }
  for (const name of REQUIRED[type] ?? []) {
    if (fields[name] === undefined) throw invalidRequest(`Fault '${type}' needs '${name}'.`, name);
  }
  for (const [name, item] of Object.entries(fields)) {
    if (name === 'type') continue;
    const kind = allowed[name];
    const valid =
      kind === 'count'
        ? typeof item === 'number' && Number.isFinite(item) && item >= 0
        : typeof item === kind;
    if (!valid) throw invalidRequest(`Fault '${type}' has an invalid '${name}'.`, name);
  }
  if (type === 'http_error' && !HTTP_ERROR_STATUSES.includes(fields.status as number)) {
    throw invalidRequest(
      `Fault 'http_error' status must be one of ${HTTP_ERROR_STATUSES}.`,
      'status',
    );
  }
  return fields as unknown as Fault;
}
