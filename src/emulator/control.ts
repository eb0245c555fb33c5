import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest } from './errors.js';
import { parseFault } from './faults.js';
import { readJson, sendJson } from './http.js';
import type { EmulatorState } from './state.js';
import type { LegacyThreadMessage, Pacing } from './types.js';

/**
 * The `/__emulator/*` control surface, mirroring the `Emulator` methods so that a separate
 * process (a benchmark, a manual test) can drive a running emulator.
 */
export async function handleControl(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
): Promise<boolean> {
  const ok = () => sendJson(res, 200, { ok: true });
  const key = `${req.method} ${route}`;
  if (key === 'GET /__emulator/requests') {
    sendJson(res, 200, state.requestLog);
    return true;
  }
  if (key === 'POST /__emulator/faults') {
    const body = await readJson(req);
    const faults = (Array.isArray(body) ? body : [body]).map(parseFault);
    for (const fault of faults) state.faults.push(fault);
    sendJson(res, 200, { ok: true, queued: faults.length });
    return true;
  }
  if (key === 'POST /__emulator/expire') {
    const { responseId } = (await readJson(req)) as { responseId?: unknown };
    if (responseId === undefined) state.store.clear();
    else if (typeof responseId === 'string') state.store.delete(responseId);
    else throw invalidRequest('responseId must be a string.', 'responseId');
    ok();
    return true;
  }
  if (key === 'POST /__emulator/pacing') {
    state.setPacing((await readJson(req)) as Pacing);
    sendJson(res, 200, state.pacing);
    return true;
  }
  if (key === 'POST /__emulator/reset') {
    await readJson(req);
    state.reset();
    ok();
    return true;
  }
  const thread = /^POST \/__emulator\/threads\/([^/]+)$/.exec(key);
  if (thread) {
    const body = (await readJson(req)) as { messages?: unknown } | unknown[];
    const messages = Array.isArray(body) ? body : body.messages;
    if (!Array.isArray(messages)) {
      throw invalidRequest('Send an array of messages, or { "messages": [...] }.', 'messages');
    }
    state.threads.seed(decodeURIComponent(thread[1]!), messages as LegacyThreadMessage[]);
    ok();
    return true;
  }
  return false;
}
