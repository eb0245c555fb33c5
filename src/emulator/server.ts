import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control.js';
import { ApiError, notFound } from './errors.js';
import { sendError, sendJson } from './http.js';
import { cancelResponse, createResponse, retrieveResponse } from './responses.js';
import type { EmulatorState } from './state.js';

/** Routes one request; every failure becomes the API's error shape, never a crash. */
async function route(state: EmulatorState, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const key = `${req.method} ${path}`;
  state.logger.debug('emulator request', { method: req.method, path });

  if (key === 'POST /v1/responses') return createResponse(state, req, res);
  if (key === 'GET /healthz') return sendJson(res, 200, { ok: true });
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

/** An HTTP server speaking the Responses API; resolves once it listens. */
export async function listen(state: EmulatorState, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    route(state, req, res).catch((error: unknown) => {
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
