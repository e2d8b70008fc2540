// Forwards GET /reports/compliance.csv to the alarms service, so the CSV is had at the same
// origin as /graphql (the front ends' origin); production keeps the services themselves out of
// reach. The path, query string and Authorization header go to alarms, which checks the token
// and the unit as for the complianceReport query; its status, Content-Type and
// Content-Disposition come back with the gateway's security headers and Cache-Control: no-store.
// Nothing else under /reports/ is forwarded.
import { Kind, parse } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { SECURITY_HEADERS } from './web.ts';

const REPORTS_PREFIX = '/reports/';
const COMPLIANCE_CSV = '/reports/compliance.csv';
const PASSED_BACK = ['content-type', 'content-disposition'];
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// A year's report of a large unit takes seconds; a service that has not answered in a minute
// is treated as away.
const TIMEOUT_MS = 60_000;
const RETRY_AFTER_SECONDS = '5';

/** The routing URL a supergraph gives the subgraph `name` (`@join__graph(name:, url:)`). */
export function subgraphUrl(supergraph: string, name: string): string | null {
  for (const definition of parse(supergraph).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      for (const directive of value.directives ?? []) {
        if (directive.name.value !== 'join__graph') continue;
        const args = new Map(
          (directive.arguments ?? []).map((a) => [a.name.value, a.value.kind === Kind.STRING ? a.value.value : null]),
        );
        if (args.get('name') === name && args.get('url')) return args.get('url')!;
      }
    }
  }
  return null;
}

/**
 * `supergraph` returns the supergraph the gateway serves now; the alarms URL is read from it
 * (once per version), so the CSV goes where alarms' GraphQL goes: `reports/compliance.csv`
 * beside its `/graphql`.
 */
export function useReportDownloads(supergraph: () => string | undefined): GatewayPlugin {
  let known: { sdl: string; url: string | null } | undefined;
  const alarmsUrl = (): string | null => {
    const sdl = supergraph();
    if (sdl === undefined) return null;
    if (known?.sdl !== sdl) known = { sdl, url: subgraphUrl(sdl, 'alarms') };
    return known.url;
  };

  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }: any) {
      const pathname: string = url.pathname;
      if (!pathname.startsWith(REPORTS_PREFIX)) return;
      const headers: Record<string, string> = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };
      const answer = (status: number, detail: string, extra: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ detail }), {
            status,
            headers: { ...headers, ...extra, 'content-type': 'application/json' },
          }),
        );
      if (pathname !== COMPLIANCE_CSV) return answer(404, 'Not found');
      if (request.method !== 'GET') return answer(405, 'Method not allowed', { allow: 'GET' });
      const unavailable = () =>
        answer(503, 'The alarms service cannot be reached; try again shortly.', { 'retry-after': RETRY_AFTER_SECONDS });

      const graphql = alarmsUrl();
      if (!graphql) return unavailable();
      const forwarded: Record<string, string> = {};
      const authorization = request.headers.get('authorization');
      if (authorization) forwarded.authorization = authorization;
      const requestId = request.headers.get('x-request-id');
      if (requestId && SAFE_REQUEST_ID.test(requestId)) forwarded['x-request-id'] = requestId;
      let upstream: Response;
      try {
        upstream = await fetchAPI.fetch(new URL('reports/compliance.csv' + url.search, graphql), {
          headers: forwarded,
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        serverContext?.log?.warn({ err: (error as Error).message }, 'the alarms service cannot be reached for a report');
        return unavailable();
      }
      // What a proxy or load balancer in front of a stopped service answers.
      if (upstream.status >= 502 && upstream.status <= 504) {
        await upstream.body?.cancel();
        return unavailable();
      }
      for (const name of PASSED_BACK) {
        const value = upstream.headers.get(name);
        if (value) headers[name] = value;
      }
      endResponse(new fetchAPI.Response(upstream.body, { status: upstream.status, headers }));
    },
  };
}
