// Serves the built front ends (web/dist: the phone app at /, the admin web at /admin/) from
// SIGNA_WEB_DIR, at the same origin as /graphql, so the apps need no CORS and their
// Content-Security-Policy can say connect-src 'self'.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompress, constants as zlib } from 'node:zlib';
import { promisify } from 'node:util';
import type { GatewayPlugin } from '@graphql-hive/gateway';

const compress = promisify(brotliCompress);

// Left to the gateway itself: a GET /graphql?query= is GraphQL, not a page; /reports/ is
// reports.ts's (the compliance CSV), never an app route.
const GATEWAY_PATHS = new Set(['/graphql', '/healthcheck', '/readiness']);
const GATEWAY_PREFIXES = ['/reports/'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; " +
    "form-action 'self'; object-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

// Vite names every built asset by its content hash: such a file never changes under its name.
const HASHED = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

type File = { body: Buffer; brotli?: Buffer; type: string; cache: string; mtimeMs: number };

/** The path under the web directory that a request path names, or null if it leaves it. */
export function resolveInside(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  return full === root || full.startsWith(root + path.sep) ? full : null;
}

/** The app whose index.html answers a route of that app: /admin/... or the phone app. */
function appIndex(root: string, pathname: string): string {
  return pathname === '/admin' || pathname.startsWith('/admin/')
    ? path.join(root, 'admin', 'index.html')
    : path.join(root, 'index.html');
}

export function useWebApps(webDir: string): GatewayPlugin {
  const root = path.resolve(webDir);
  const files = new Map<string, File>();

  async function load(full: string): Promise<File | null> {
    let info;
    try {
      info = await stat(full);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const known = files.get(full);
    if (known && known.mtimeMs === info.mtimeMs) return known;
    const ext = path.extname(full).toLowerCase();
    const body = await readFile(full);
    const name = path.basename(full);
    const file: File = {
      body,
      type: TYPES[ext] ?? 'application/octet-stream',
      cache: HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
      mtimeMs: info.mtimeMs,
    };
    if (COMPRESSIBLE.has(ext) && body.length > 1024) {
      file.brotli = await compress(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } });
    }
    files.set(full, file);
    return file;
  }

  return {
    async onRequest({ request, url, endResponse, fetchAPI }: any) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const pathname: string = url.pathname;
      if (GATEWAY_PATHS.has(pathname) || GATEWAY_PREFIXES.some((prefix) => pathname.startsWith(prefix))) return;
      const headers: Record<string, string> = { ...SECURITY_HEADERS, vary: 'accept-encoding' };
      const target = resolveInside(root, pathname.endsWith('/') ? pathname + 'index.html' : pathname);
      let file = target ? await load(target) : null;
      // A route of an app (no file extension) is that app's page; a missing file is a 404.
      if (!file && target && path.extname(pathname) === '') file = await load(appIndex(root, pathname));
      if (!file) {
        endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      const useBrotli = file.brotli !== undefined && /\bbr\b/.test(request.headers.get('accept-encoding') ?? '');
      const body = useBrotli ? file.brotli! : file.body;
      headers['content-type'] = file.type;
      headers['cache-control'] = file.cache;
      headers['content-length'] = String(body.length);
      if (useBrotli) headers['content-encoding'] = 'br';
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
    },
  };
}
