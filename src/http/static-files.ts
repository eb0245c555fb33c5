/**
 * Serves the built web app (`web/dist`): GET and HEAD only, never outside the root (also not
 * through symlinks), `index.html` for unknown extension-less paths (client-side routes), and
 * long-lived caching only for Vite's content-hashed assets.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Vite names built assets `name-<hash>.ext` under `assets/`. */
const HASHED_NAME = /^[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * Whether `relative` (a served file's path within the root) is a hashed asset. Checked on the
 * file found, not the request's path: that may be any length (`/assets/---…%2F..%2Findex.html`)
 * and the pattern's cost grows with the square of it; a file name is at most 255 bytes.
 */
function isHashedAsset(relative: string): boolean {
  const [dir, name, ...rest] = relative.split(path.sep);
  return dir === 'assets' && name !== undefined && rest.length === 0 && HASHED_NAME.test(name);
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Threadline</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Threadline</h1>
<p>The web app is not built. Run <code>npm run build:web</code>, then reload this page.</p>
<p>The GraphQL API and GraphiQL are available at <a href="/graphql">/graphql</a>.</p>
</body></html>
`;

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The app loads only its own code and talks only to this server; answers render no remote
  // content, and the page cannot be framed.
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; " +
    "object-src 'none'",
  // Pages may be opened with ?token=; it must not leak to other sites through Referer.
  'Referrer-Policy': 'no-referrer',
};

export function createStaticHandler(rootDir: string) {
  const root = path.resolve(rootDir);

  /** The file `urlPath` names inside the root, with its path there; null if none. */
  async function resolveFile(urlPath: string): Promise<{ file: string; relative: string } | null> {
    const candidate = path.resolve(root, `.${path.posix.normalize(urlPath)}`);
    if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
    try {
      const [real, realRoot] = await Promise.all([fs.realpath(candidate), fs.realpath(root)]);
      if (!real.startsWith(realRoot + path.sep)) return null;
      if (!(await fs.stat(real)).isFile()) return null;
      return { file: real, relative: path.relative(realRoot, real) };
    } catch {
      return null;
    }
  }

  async function send(req: IncomingMessage, res: ServerResponse, file: string, cache: string) {
    const stat = await fs.stat(file);
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'Cache-Control': cache,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  function plain(res: ServerResponse, status: number, body: string, headers = {}) {
    res.writeHead(status, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      ...headers,
    });
    res.end(body);
  }

  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return plain(res, 400, 'Bad Request\n');
    }
    if (urlPath.includes('\0')) return plain(res, 400, 'Bad Request\n');

    const found = urlPath.endsWith('/') ? null : await resolveFile(urlPath);
    if (found) {
      const immutable = isHashedAsset(found.relative);
      return send(
        req,
        res,
        found.file,
        immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    }
    // Only extension-less paths are app routes; a missing script or image is a plain 404.
    if (path.posix.extname(urlPath) !== '') return plain(res, 404, 'Not Found\n');
    const index = await resolveFile('/index.html');
    if (index) return send(req, res, index.file, 'no-cache');
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : NOT_BUILT_PAGE);
  };
}
