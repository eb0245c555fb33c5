/**
 * An HTTP proxy in front of the emulator that can drop requests before any response header is
 * sent (the one connection failure the emulator cannot make itself). Per request rather than
 * per connection, because the SDK reuses keep-alive connections.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';

export interface DropProxy {
  /** `http://127.0.0.1:<port>/v1` */
  baseURL: string;
  /** Where requests go, e.g. the emulator's `http://127.0.0.1:<port>`. */
  target: string;
  /** The next `count` POSTs to /v1/responses lose their connection before any answer. */
  dropNext(count: number): void;
  close(): Promise<void>;
}

export async function startDropProxy(): Promise<DropProxy> {
  let dropping = 0;
  const proxy: DropProxy = {
    baseURL: '',
    target: '',
    dropNext(count) {
      dropping = count;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    if (dropping > 0 && req.method === 'POST' && req.url?.startsWith('/v1/responses')) {
      dropping--;
      req.socket.destroy();
      return;
    }
    const target = new URL(req.url ?? '/', proxy.target);
    const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      // pipeline destroys the client side when the upstream connection breaks off.
      pipeline(up, res, () => {});
    });
    upstream.on('error', () => res.destroy());
    // The client leaving ends the upstream request too, as a direct connection would.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return proxy;
}
