import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control.js';
import { ApiError, incorrectApiKey, notFound } from './errors.js';
import { sendError, sendJson } from './http.js';
import { cancelResponse, createResponse, retrieveResponse } from './responses.js';
import type { EmulatorState } from './state.js';

/** Routes one request; every failure becomes the API's error shape, never a crash. */
async function route(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  authorized: (header: string | undefined) => boolean,
) {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const key = `${req.method} ${path}`;
  state.logger.debug('emulator request', { method: req.method, path });

  if (key === 'GET /healthz') return sendJson(res, 200, { ok: true });
  if (!authorized(req.headers.authorization)) throw incorrectApiKey();
  if (key === 'POST /v1/responses') return createResponse(state, req, res);
  const response = /^(GET|POST) \/v1\/responses\/([^/]+)(\/cancel)?$/.exec(key);
  if (response) {
    const [, method, id, cancel] = response;
    if (method === 'GET' && !cancel) return retrieveResponse(state, res, id!);
    if (method === 'POST' && cancel) return cancelResponse(state, res, id!);
  }
  const thread = /^GET \/v1\/threads\/([^/]+)\/messages$/.exec(key);
  if (thread) {
    return sendJson(res, 200, state.threads.list(decodeURIComponent(thread[1]!), url.searchParams));
  }
  if (path.startsWith('/__emulator/') && (await handleControl(state, req, res, path))) return;
  throw notFound(`Invalid URL (${req.method} ${path})`);
}

/**
 * Without `apiKey` every request is served; with it, only those that carry it as a bearer token
 * (the control endpoints too), as the API checks its keys.
 */
function keyCheck(apiKey: string | undefined): (header: string | undefined) => boolean {
  if (apiKey === undefined) return () => true;
  const expected = digest(`Bearer ${apiKey}`);
  return (header) => header !== undefined && timingSafeEqual(digest(header), expected);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** An HTTP server speaking the Responses API; resolves once it listens. */
export async function listen(
  state: EmulatorState,
  port: number,
  host: string,
  apiKey?: string,
): Promise<Server> {
  const authorized = keyCheck(apiKey);
  const server = createServer((req, res) => {
    route(state, req, res, authorized).catch((error: unknown) => {
      if (!(error instanceof ApiError)) state.logger.error('emulator handler failed', { error });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(
        res,
        error instanceof ApiError ? error : new ApiError(500, 'Internal error.', 'server_error'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
