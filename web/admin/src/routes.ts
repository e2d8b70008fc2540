// Where each page lives and who may see it. Navigation shows a person only the pages their
// roles open; a page opened anyway by its address says so instead of being blank.
import type { Role } from '@shared/gql/graphql';

export type Page =
  | 'overview'
  | 'alarms'
  | 'alarm'
  | 'deviations'
  | 'tenants'
  | 'tenant'
  | 'intervention'
  | 'roleOrders'
  | 'report'
  | 'accessLog'
  | 'notifications'
  | 'units'
  | 'users';

export type Route = { page: Page; id: string | null } | { page: 'activate' } | { page: 'unknown' };

export const BASE = '/admin';

// The address of each list page, and of the pages that show one record (with its id).
const LISTS: Record<string, Page> = {
  larm: 'alarms',
  avvikelser: 'deviations',
  hyresgaster: 'tenants',
  behorigheter: 'roleOrders',
  rapport: 'report',
  logg: 'accessLog',
  utskick: 'notifications',
  anvandare: 'users',
  enheter: 'units',
};
const RECORDS: Record<string, Page> = { larm: 'alarm', hyresgaster: 'tenant', insatser: 'intervention' };

function segmentOf(page: Page, table: Record<string, Page>): string | undefined {
  return Object.keys(table).find((segment) => table[segment] === page);
}

export function pathOf(page: Page, id?: string): string {
  const record = segmentOf(page, RECORDS);
  if (record) return `${BASE}/${record}/${encodeURIComponent(id ?? '')}`;
  const list = segmentOf(page, LISTS);
  return list ? `${BASE}/${list}` : `${BASE}/`;
}

export function routeOf(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const [segment, id, ...more] = rest.split('/').filter(Boolean);
  if (segment === undefined) return { page: 'overview', id: null };
  if (segment === 'activate') return { page: 'activate' };
  const page = id === undefined ? LISTS[segment] : RECORDS[segment];
  if (!page || more.length > 0) return { page: 'unknown' };
  return { page, id: id === undefined ? null : decodeURIComponent(id) };
}

/** What the signed-in person holds: roles in the chosen unit, and system administration. */
export type Access = { unitRoles: ReadonlySet<Role>; systemAdmin: boolean };

const FOLLOW_UP: Role[] = ['SOL_ADMIN', 'UNIT_MANAGER'];

const WHO: Record<Page, { unit: Role[]; systemAdmin: boolean }> = {
  overview: { unit: FOLLOW_UP, systemAdmin: false },
  alarms: { unit: FOLLOW_UP, systemAdmin: false },
  alarm: { unit: FOLLOW_UP, systemAdmin: false },
  deviations: { unit: FOLLOW_UP, systemAdmin: false },
  tenants: { unit: FOLLOW_UP, systemAdmin: false },
  tenant: { unit: FOLLOW_UP, systemAdmin: false },
  intervention: { unit: FOLLOW_UP, systemAdmin: false },
  report: { unit: FOLLOW_UP, systemAdmin: false },
  roleOrders: { unit: ['UNIT_MANAGER'], systemAdmin: true },
  accessLog: { unit: ['UNIT_MANAGER'], systemAdmin: true },
  notifications: { unit: ['UNIT_MANAGER'], systemAdmin: true },
  units: { unit: [], systemAdmin: true },
  users: { unit: [], systemAdmin: true },
};

export function mayOpen(page: Page, access: Access): boolean {
  const who = WHO[page];
  return (who.systemAdmin && access.systemAdmin) || who.unit.some((role) => access.unitRoles.has(role));
}

/** The navigation, in the order of the routine: follow-up first, then the registers. */
export const MENU: Page[] = [
  'overview',
  'alarms',
  'deviations',
  'tenants',
  'report',
  'roleOrders',
  'accessLog',
  'notifications',
  'users',
  'units',
];

/** Where a person starts: the follow-up overview, or for a system administrator the orders. */
export function startPage(access: Access): Page | null {
  return MENU.find((page) => mayOpen(page, access)) ?? null;
}

/** The menu entry a page belongs under (an alarm under Larm). */
export function menuPageOf(page: Page): Page {
  if (page === 'alarm') return 'alarms';
  if (page === 'tenant' || page === 'intervention') return 'tenants';
  return page;
}
