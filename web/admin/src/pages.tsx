// Which page a route shows.
import { AccessLogPage } from './accesslog';
import { AlarmPage } from './alarm';
import { AlarmsPage } from './alarms';
import { DeviationsPage } from './deviations';
import { InterventionPage } from './intervention';
import { NotificationsPage } from './notifications';
import { OverviewPage } from './overview';
import { UnitsPage, UsersPage } from './people';
import { ReportPage } from './report';
import { RoleOrdersPage } from './roleorders';
import type { Page } from './routes';
import { TenantPage, TenantsPage } from './tenants';

export function Pages({ route }: { route: { page: Page; id: string | null } }) {
  const id = route.id ?? '';
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'alarms':
      return <AlarmsPage />;
    case 'alarm':
      return <AlarmPage id={id} />;
    case 'deviations':
      return <DeviationsPage />;
    case 'tenants':
      return <TenantsPage />;
    case 'tenant':
      return <TenantPage id={id} />;
    case 'intervention':
      return <InterventionPage id={id} />;
    case 'roleOrders':
      return <RoleOrdersPage />;
    case 'report':
      return <ReportPage />;
    case 'accessLog':
      return <AccessLogPage />;
    case 'notifications':
      return <NotificationsPage />;
    case 'users':
      return <UsersPage />;
    case 'units':
      return <UnitsPage />;
  }
}
