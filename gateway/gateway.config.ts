// Hive Gateway configuration for Signa.
//
// Loaded by the Hive Gateway CLI (it transpiles .ts itself):
//   npx hive-gateway supergraph supergraph.graphql -c gateway.config.ts      (from gateway/)
// See README.md for the environment variables.
import { defineConfig, type GatewayPlugin } from '@graphql-hive/gateway';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { BREAK, getOperationAST, GraphQLError, parse, visit, type DocumentNode } from 'graphql';
import { readFileSync } from 'node:fs';
import { Store, useRateLimiter, type Identity } from '@envelop/rate-limiter';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { fileURLToPath } from 'node:url';
import { useReportDownloads } from './reports.ts';
import { useWebApps } from './web.ts';

const env = process.env;

function intEnv(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

const production = env.SIGNA_PRODUCTION === '1' || env.SIGNA_PRODUCTION === 'true';
const port = intEnv('SIGNA_GATEWAY_PORT', 4000);
const host = env.SIGNA_GATEWAY_HOST || '127.0.0.1';
const corsOrigins = (env.SIGNA_CORS_ORIGINS || '')
  .split(',')
  .map((o) => o.trim())
  .filter(Boolean);
// Behind a reverse proxy every client has the proxy's address; with
// SIGNA_TRUST_PROXY=1 the client address is the last X-Forwarded-For entry
// (the one our own proxy appended).
const trustProxy = env.SIGNA_TRUST_PROXY === '1' || env.SIGNA_TRUST_PROXY === 'true';
const loginRateMax = intEnv('SIGNA_LOGIN_RATE_LIMIT', 10); // attempts per window per client IP
const loginRateWindowMs = intEnv('SIGNA_LOGIN_RATE_WINDOW_MS', 60_000, 1000); // 0 would turn it off
// How long an idle client connection is kept open: longer than a load balancer or ingress in
// front keeps its own (60 s is their usual default), so that they, not the gateway, close it.
// Node's default of 5 s races them: a request sent as the gateway closes fails (a 502 to the phone).
// The same bounds as the services' setting (libs/settings.py).
const keepAliveMs = intEnv('SIGNA_HTTP_KEEP_ALIVE_SECONDS', 75, 10, 3600) * 1000;

// Default: gateway/supergraph.graphql next to this file, whatever the cwd.
const supergraphPath = env.SIGNA_SUPERGRAPH || fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

// A setting with a default for development only: in production a default would stand in
// for the real value unnoticed (a gateway checking tokens against a key set it cannot reach
// refuses every signed-in request), so it must be given.
function productionSetting(name: string, developmentDefault: string): string {
  const value = env[name];
  if (value) return value;
  if (production) throw new Error(`${name} must be set when SIGNA_PRODUCTION is on`);
  return developmentDefault;
}

// The same issuer, audience and key set the services verify against (see libs/settings.py).
const jwksUrl = productionSetting('SIGNA_JWKS_URL', 'http://127.0.0.1:8101/.well-known/jwks.json');
const jwtIssuer = productionSetting('SIGNA_JWT_ISSUER', 'https://signa.local/identity');
const jwtAudience = productionSetting('SIGNA_JWT_AUDIENCE', 'signa');

// The built front ends (web/dist); unset, the gateway serves GraphQL only.
const webDir = env.SIGNA_WEB_DIR || '';

const REMEMBERED_TOKENS = 10_000;
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SILENT_PATHS = new Set(['/healthcheck', '/readiness']);

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (key.toLowerCase() === name) {
      const v = rec[key];
      return Array.isArray(v) ? v[0] : v == null ? undefined : String(v);
    }
  }
  return undefined;
}

function clientIp(ctx: any): string {
  if (trustProxy) {
    const xff =
      headerValue(ctx.request?.headers, 'x-forwarded-for') ?? headerValue(ctx.req?.headers, 'x-forwarded-for');
    const last = xff?.split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return (
    ctx.req?.socket?.remoteAddress || // HTTP / SSE (node:http request)
    ctx.extra?.request?.socket?.remoteAddress || // graphql-ws (upgrade request)
    ctx.extra?.socket?._socket?.remoteAddress ||
    'unknown'
  );
}

/**
 * Puts on the GraphQL context:
 *  - signaAuthorization: the client's credentials, from the HTTP `authorization`
 *    header or, for WebSocket clients, from the connection_init payload
 *    (`authorization` or `Authorization`, any case);
 *  - signaClientIp: the client's address, the rate-limit key for Mutation.login;
 *  - signaWsRequestId (WebSocket operations only): a request id for the
 *    operation (`x-request-id` from connection_init, or a new UUID). HTTP
 *    requests get theirs from the built-in requestId plugin.
 */
const useSignaContext: GatewayPlugin = {
  onContextBuilding({ context, extendContext }: any) {
    const isWs = context.connectionParams !== undefined;
    const fromParams = headerValue(context.connectionParams, 'authorization');
    const fromHeaders = headerValue(context.request?.headers, 'authorization') ?? headerValue(context.headers, 'authorization');
    const extra: Record<string, unknown> = {
      signaAuthorization: fromParams ?? fromHeaders,
      signaClientIp: clientIp(context),
    };
    if (isWs) {
      const given = headerValue(context.connectionParams, 'x-request-id');
      extra.signaWsRequestId = given && SAFE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    }
    extendContext(extra);
  },
};

/**
 * Refuses forged, expired or foreign access tokens at the edge, on HTTP and on
 * WebSocket operations alike, with the services' own error code.
 *
 * The services verify every token themselves (and also know revocations); this
 * check exists because a subgraph that refuses a WebSocket at connection_init
 * leaves the gateway's client subscription hanging silently. Queries and mutations
 * without a token pass (log-in, activation); the services decide what needs one.
 * Subscriptions without one are refused here: every live feed is somebody's, and
 * an anonymous one would only hang on a subgraph's refusal.
 * jose is used because the built-in JWT plugin (jsonwebtoken) has no EdDSA.
 */
function useEdgeTokenCheck(): GatewayPlugin {
  const keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 10_000 });
  // A phone sends the same token for five minutes: its signature is checked once (about
  // 0.25 ms of CPU each time otherwise) and remembered until it expires. Oldest out first.
  const verified = new Map<string, number>();
  const refused = (message: string) => ({
    errors: [new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } })],
  });
  const check = (tokenRequired: boolean) => async ({ args, setResultAndStopExecution }: any) => {
    const header: string | undefined = args.contextValue?.signaAuthorization;
    if (!header) {
      if (tokenRequired) setResultAndStopExecution(refused('sign in first: no bearer token'));
      return;
    }
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      setResultAndStopExecution(refused('the authorization header is not a bearer token'));
      return;
    }
    const until = verified.get(token);
    if (until !== undefined && until > Date.now()) return;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: jwtIssuer,
        audience: jwtAudience,
        algorithms: ['EdDSA'],
      });
      if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value as string);
      verified.set(token, (payload.exp ?? 0) * 1000);
    } catch {
      verified.delete(token);
      setResultAndStopExecution(refused('the access token is not valid'));
    }
  };
  return { onExecute: check(false), onSubscribe: check(true) };
}

/**
 * Request log: one line per HTTP request (with the request id the gateway
 * also returns to the client and sends to the subgraphs) and one per
 * WebSocket operation.
 */
function useRequestLog(rootLog: { info(attrs: object, msg: string): void }): GatewayPlugin {
  const started = new WeakMap<Request, number>();
  const opNames = new WeakMap<Request, string>();
  const operationOf = (args: any) => {
    const op = getOperationAST(args.document, args.operationName);
    return { operationType: op?.operation ?? null, operationName: op?.name?.value ?? null };
  };
  const onOperation = ({ args }: any) => {
    const ctx = args.contextValue;
    const { operationType, operationName } = operationOf(args);
    if (ctx?.connectionParams !== undefined) {
      // graphql-ws operations do not go through onRequest/onResponse.
      rootLog.info(
        { requestId: ctx.signaWsRequestId ?? null, transport: 'ws', operationType, operationName },
        'operation',
      );
    } else if (ctx?.request && operationName) {
      opNames.set(ctx.request, operationName);
    }
  };
  return {
    onRequest({ request }: any) {
      started.set(request, performance.now());
    },
    onExecute: onOperation,
    onSubscribe: onOperation,
    onResponse({ request, response, serverContext }: any) {
      const url = new URL(request.url);
      if (SILENT_PATHS.has(url.pathname)) return;
      const t0 = started.get(request);
      serverContext?.log?.info(
        {
          method: request.method,
          path: url.pathname,
          status: response.status,
          operationName: opNames.get(request) ?? null,
          durationMs: t0 === undefined ? null : Math.round(performance.now() - t0),
        },
        'request',
      );
    },
  };
}

/**
 * While the gateway stops (SIGTERM, SIGINT), every answer says `Connection: close`. A client or
 * proxy holding a keep-alive connection then takes its next request to another replica, rather
 * than sending it here until the drain window (gracefulShutdownTimeout) cuts the connection,
 * maybe mid-request; and the process exits as soon as what it has is answered.
 */
function useCloseConnectionsWhenStopping(): GatewayPlugin {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
    });
  }
  return {
    onResponse({ response }: any) {
      if (stopping) response.headers.set('connection', 'close');
    },
  };
}

/**
 * An answer whose execution failed at a non-null root field carries `"data": null` beside its
 * errors, as the GraphQL spec asks (clients tell an execution error from a request error by
 * it). Hive Router's runtime leaves `data` out when no subgraph returned any.
 */
const useNullDataOnExecutionErrors: GatewayPlugin = {
  onExecute() {
    return {
      onExecuteDone({ result, setResult }: any) {
        if (result && !(Symbol.asyncIterator in result) && !('data' in result)) {
          setResult({ ...result, data: null });
        }
      },
    };
  },
};

/**
 * Rate-limit store in process memory; entries expire after their window. Each keeps only the
 * newest `max` timestamps, all the limiter's decision needs: the limiter stores refused
 * attempts too, so a client flooding `login` grew its list without end, and every attempt
 * copied and spread the whole of it.
 */
class ExpiringMemoryStore extends Store {
  private entries = new Map<string, { timestamps: readonly number[]; expiresAt: number }>();
  constructor(private readonly max: number) {
    super();
    setInterval(() => {
      const now = Date.now();
      for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    }, 60_000).unref();
  }
  private key(identity: Identity) {
    return `${identity.contextIdentity}\u0000${identity.fieldIdentity}`;
  }
  getForIdentity(identity: Identity): readonly number[] {
    const entry = this.entries.get(this.key(identity));
    return entry && entry.expiresAt > Date.now() ? entry.timestamps : [];
  }
  setForIdentity(identity: Identity, timestamps: readonly number[], windowMs = 60_000): void {
    const kept = timestamps.slice(-this.max);
    const last = kept.reduce((latest, at) => Math.max(latest, at), 0) || Date.now();
    this.entries.set(this.key(identity), { timestamps: kept, expiresAt: last + windowMs });
  }
}

/**
 * Mutation.login: at most SIGNA_LOGIN_RATE_LIMIT calls per
 * SIGNA_LOGIN_RATE_WINDOW_MS per client IP.
 *
 * Not the gateway's built-in `rateLimiting` option: that one keys its buckets
 * on the Authorization header first (its per-field `identifier` is only
 * appended), so a client sending a different Authorization value on every
 * attempt is never limited.
 */
function useLoginRateLimit(): GatewayPlugin {
  const limiter = useRateLimiter({
    identifyFn: (context: any) => context.signaClientIp ?? 'unknown',
    store: new ExpiringMemoryStore(loginRateMax),
    configByField: [
      {
        type: 'Mutation',
        field: 'login',
        max: loginRateMax,
        window: `${loginRateWindowMs}ms`,
        message: 'Too many login attempts, try again later.',
      },
    ],
  });
  // The limiter walks every operation's whole document with type information to find limited
  // fields: about 5 % of the gateway's busy time in a --cpu-prof profile of bench/gateway.py's
  // sign rounds. Only a document with a
  // field named `login` (however aliased, or inside a fragment) can hold one, so it runs only
  // for those; documents come from the gateway's parse cache, so each is looked at once.
  const mentionsLogin = new WeakMap<DocumentNode, boolean>();
  const hasLoginField = (document: DocumentNode) => {
    let found = mentionsLogin.get(document);
    if (found === undefined) {
      found = false;
      visit(document, {
        Field(node) {
          if (node.name.value !== 'login') return undefined;
          found = true;
          return BREAK;
        },
      });
      mentionsLogin.set(document, found);
    }
    return found;
  };
  // The limiter's refusal has no code of its own: it is given one, so a client can tell
  // "wait a while" from a wrong password.
  const retryAfterSeconds = Math.ceil(loginRateWindowMs / 1000);
  const withCode = (error: GraphQLError) =>
    new GraphQLError(error.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
    });
  return {
    onExecute(payload: any) {
      if (!hasLoginField(payload.args.document)) return undefined;
      return limiter.onExecute!({
        ...payload,
        setResultAndStopExecution: (result: any) =>
          payload.setResultAndStopExecution({ ...result, errors: result.errors?.map(withCode) }),
      });
    },
  };
}

/**
 * A subgraph that cannot be reached (refused, reset, timed out, or answering something that is
 * not GraphQL, as a proxy in front of a stopped service does) is SERVICE_UNAVAILABLE, not the
 * masked INTERNAL_SERVER_ERROR: a phone keeps such a signing queued and tries again later,
 * where a real bug is shown as one.
 */
function unavailableService(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const extensions = (current as { extensions?: Record<string, unknown> }).extensions;
    const service = String(extensions?.serviceName ?? 'a service');
    if (extensions?.code === 'SUBREQUEST_HTTP_ERROR') return service;
    // A proxy or load balancer in front of a stopped service answers in HTML.
    const status = (extensions?.response as { status?: number } | undefined)?.status;
    if (extensions?.code === 'RESPONSE_VALIDATION_FAILED' && status && status >= 502 && status <= 504) return service;
    const next = current as { originalError?: unknown; cause?: unknown };
    current = next.originalError ?? next.cause;
  }
  return null;
}

/** An operation that failed whole because a service is away is answered 503 with Retry-After. */
const useServiceUnavailableStatus: GatewayPlugin = {
  onResultProcess({ result, setResult }: any) {
    if (!result || Array.isArray(result) || Symbol.asyncIterator in result) return;
    const errors: GraphQLError[] | undefined = result.errors;
    if (result.data != null || !errors?.length) return;
    if (!errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) return;
    setResult({
      ...result,
      errors: errors.map(
        (e) =>
          new GraphQLError(e.message, {
            path: e.path,
            extensions: { ...e.extensions, http: { status: 503, headers: { 'retry-after': '5' } } },
          }),
      ),
    });
  },
};

/**
 * The supergraph is given to the gateway as a loader function, not as a path.
 * Given a path (in the config or as `hive-gateway supergraph FILE`), the CLI
 * watches the file and reloads it on every change event: a reload that reads
 * a half-written file kills the gateway process (seen with 2.15.1), and
 * replacing the file by a rename just stops the watch. This loader reads the
 * file when the gateway (re)loads its schema; an unreadable or unparsable file
 * fails the start, and later on keeps the last good supergraph.
 */
let lastGoodSupergraph: string | undefined;
function loadSupergraph(ctx: { log: { warn(attrs: object, msg: string): void } }): string {
  try {
    const sdl = readFileSync(supergraphPath, 'utf8');
    parse(sdl); // reject a truncated / broken file before the gateway sees it
    lastGoodSupergraph = sdl;
    return sdl;
  } catch (err) {
    if (lastGoodSupergraph === undefined) {
      throw new Error(`cannot load supergraph ${supergraphPath}: ${(err as Error).message}`);
    }
    ctx.log.warn({ path: supergraphPath, err: (err as Error).message }, 'cannot reload the supergraph; keeping the previous one');
    return lastGoodSupergraph;
  }
}

/**
 * A failed subgraph request (unreachable, reset, an answer that is not JSON) becomes an error
 * whose extensions carry that request, its variables included (a login's password, a sign's
 * note, a refresh token), and the response. Yoga logs the original of every error it masks,
 * whole: these are taken off first, so the log keeps what failed and where, not the data.
 */
function withoutSubgraphExchanges(error: unknown): void {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const extensions = (current as { extensions?: Record<string, unknown> }).extensions;
    if (extensions && typeof extensions === 'object' && !Object.isFrozen(extensions)) {
      delete extensions.request;
      delete extensions.response;
    }
    const next = current as { originalError?: unknown; cause?: unknown };
    current = next.originalError ?? next.cause;
  }
}

export const gatewayConfig = defineConfig({
  supergraph: loadSupergraph,
  // Hive Router's query planner (Rust, a native addon in the npm package) and its executor
  // instead of the default stitching runtime: a worklist of 800 occurrences with their
  // signatures and alarms is merged from three subgraphs, and the stitching runtime's
  // merging was the largest single cost of that request.
  unifiedGraphHandler,
  // How often loadSupergraph is called again (the CLI's minimum is 10 s).
  pollingInterval: intEnv('SIGNA_SUPERGRAPH_POLL_MS', 10_000),
  host,
  port,
  keepAliveTimeout: keepAliveMs,
  // On SIGTERM, requests in flight get this long to finish (as uvicorn gives the services'),
  // instead of having their connections cut at once: a rolling update then loses no answer.
  gracefulShutdownTimeout: 10_000,
  // One process: the in-memory rate-limit store is per process.
  fork: 1,
  graphqlEndpoint: '/graphql',
  // Built in: GET /healthcheck (process up) and GET /readiness (supergraph loaded).
  healthCheckEndpoint: '/healthcheck',
  readinessCheckEndpoint: '/readiness',

  // No CORS headers unless origins are configured (same-origin only).
  cors: corsOrigins.length ? { origin: corsOrigins, credentials: true, exposedHeaders: ['x-request-id'] } : false,

  maskedErrors: {
    maskError: (error, message, isDev) => {
      const service = unavailableService(error);
      withoutSubgraphExchanges(error);
      if (service) {
        return new GraphQLError(`The ${service} service cannot be reached; try again shortly.`, {
          path: (error as GraphQLError).path,
          extensions: { code: 'SERVICE_UNAVAILABLE', service },
        });
      }
      return yogaMaskError(error, message, isDev);
    },
  },

  graphiql: !production,
  landingPage: !production,
  disableIntrospection: production ? { disableIf: () => true } : undefined,
  blockFieldSuggestions: true,
  maxDepth: 12,
  maxTokens: 2000,

  // Request id: the built-in plugin reads `x-request-id` from the client or
  // generates a UUID, returns it in the response, adds it to every log line of
  // the request and sends it to the subgraphs over HTTP.
  requestId: { headerName: 'x-request-id' },

  // Client -> subgraph (HTTP) headers.
  propagateHeaders: {
    fromClientToSubgraphs({ request, context }) {
      const c = context as any;
      return {
        authorization: c.signaAuthorization ?? request.headers.get('authorization') ?? undefined,
        // HTTP requests: set by the built-in requestId plugin instead.
        'x-request-id': c.signaWsRequestId,
        // The client address as the gateway saw it (replacing whatever the client claimed),
        // so identity's per-address log-in limit cannot be dodged with a forged header.
        'x-forwarded-for': c.signaClientIp,
      };
    },
  },

  // Gateway -> subgraph subscriptions over graphql-transport-ws on the same
  // URL as HTTP (http:// is switched to ws://), passing the client's
  // credentials in the connection_init payload.
  transportEntries: {
    '*.http': {
      options: {
        subscriptions: {
          kind: 'ws',
          options: {
            connectionParams: {
              authorization: '{context.signaAuthorization}',
            },
          },
        },
      },
    },
  },

  plugins: (ctx) => [
    useReportDownloads(() => lastGoodSupergraph),
    ...(webDir ? [useWebApps(webDir)] : []),
    useSignaContext,
    useEdgeTokenCheck(),
    useRequestLog(ctx.log),
    useCloseConnectionsWhenStopping(),
    useNullDataOnExecutionErrors,
    useServiceUnavailableStatus,
    useLoginRateLimit(),
    maxAliasesPlugin({ n: 30 }) as any,
  ],
});
