// Role orders: the unit manager orders SOL_ADMIN for a staff member (or its end) and follows
// the order; the system administrator approves or rejects, and sees the history.
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import type { RoleOrderAction, RoleOrdersQuery } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { dayAndClock } from '@shared/time';
import { useAdmin } from './app';
import { useAction, useRead } from './data';
import { ApproveRoleOrder, OrderRole, RejectRoleOrder, RoleOrders, UnitUsers } from './operations';
import { adminTexts, orderActionText, orderStateText, roleText } from './texts';
import { FailureNotice, Panel, SelectField, TextArea } from './widgets';

const t = adminTexts.roleOrders;
type Order = RoleOrdersQuery['roleOrders'][number];
// Times shown in the administrator's own zone: orders span units.
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function RoleOrdersPage() {
  const { access, unit } = useAdmin();
  const orders = useRead(RoleOrders, { pendingOnly: false });
  const manager = unit !== null && access.unitRoles.has('UNIT_MANAGER');
  const all = orders.data?.roleOrders ?? [];
  const pending = all.filter((o) => o.state === 'PENDING');
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{t.heading}</h1>
      {manager && <NewOrder unitId={unit.id} onOrdered={orders.refetch} />}
      {orders.failure && <Notice tone="error">{orders.failure.text}</Notice>}
      {!orders.data && !orders.failure && <p>{texts.loading}</p>}
      {orders.data && (
        <>
          <h2>{access.systemAdmin ? t.pendingToDecide : t.pending}</h2>
          {pending.length === 0 ? <p>{t.nonePending}</p> : <OrderTable orders={pending} decide={access.systemAdmin} onDecided={orders.refetch} caption={t.pending} />}
          <h2>{t.history}</h2>
          {all.length === pending.length ? <p>{t.noHistory}</p> : <OrderTable orders={all.filter((o) => o.state !== 'PENDING')} decide={false} onDecided={orders.refetch} caption={t.history} />}
        </>
      )}
    </section>
  );
}

function OrderTable({ orders, decide, onDecided, caption }: { orders: Order[]; decide: boolean; onDecided: () => void; caption: string }) {
  return (
    <table className="table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t.person}</th>
          <th scope="col">{t.order}</th>
          <th scope="col">{t.unit}</th>
          <th scope="col">{t.ordered}</th>
          <th scope="col">{t.state}</th>
          {decide && <th scope="col">{t.decision}</th>}
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => (
          <tr key={o.id} data-order-id={o.id}>
            <td>{o.user ? `${o.user.name} (${o.user.username})` : ''}</td>
            <td>{`${orderActionText[o.action]} ${roleText[o.role]}`}</td>
            <td>{o.unit?.name ?? ''}</td>
            <td>{`${o.orderedBy?.name ?? ''} ${dayAndClock(o.orderedAt, LOCAL_ZONE)}`}</td>
            <td>
              {orderStateText[o.state]}
              {o.decidedAt && ` ${t.decidedBy(o.decidedBy?.name ?? '', dayAndClock(o.decidedAt, LOCAL_ZONE))}`}
              {o.reason && <span className="line">{t.reasonWas(o.reason)}</span>}
            </td>
            {decide && (
              <td>
                <Decide order={o} onDecided={onDecided} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Decide({ order, onDecided }: { order: Order; onDecided: () => void }) {
  const approve = useAction(ApproveRoleOrder);
  const reject = useAction(RejectRoleOrder);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const who = order.user?.name ?? '';
  if (rejecting) {
    return (
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!reason.trim()) return setProblem(t.reasonMissing);
          setProblem(null);
          void reject.run({ orderId: order.id, reason: reason.trim() }).then((done) => done && onDecided());
        }}
      >
        <TextArea id={`reject-${order.id}`} label={t.rejectReason} value={reason} onChange={setReason} maxLength={500} problem={problem} />
        <FailureNotice failure={reject.failure} />
        <div className="actions">
          <button className="button danger" type="submit" disabled={reject.busy}>{t.rejectSubmit}</button>
          <button className="button secondary" type="button" onClick={() => setRejecting(false)}>{texts.cancel}</button>
        </div>
      </form>
    );
  }
  return (
    <div>
      <FailureNotice failure={approve.failure} />
      <div className="actions">
        <button
          className="button"
          disabled={approve.busy}
          aria-label={t.approveFor(who)}
          onClick={() => void approve.run({ orderId: order.id }).then((done) => done && onDecided())}
        >
          {t.approve}
        </button>
        <button className="button secondary" aria-label={t.rejectFor(who)} onClick={() => setRejecting(true)}>
          {t.reject}
        </button>
      </div>
    </div>
  );
}

function NewOrder({ unitId, onOrdered }: { unitId: string; onOrdered: () => void }) {
  const staff = useRead(UnitUsers, { unitId });
  const order = useAction(OrderRole);
  const [userId, setUserId] = useState('');
  const [action, setAction] = useState<RoleOrderAction>('GRANT');
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const { me } = useAdmin();
  const people = (staff.data?.users ?? []).filter((u) => u.active && u.id !== me.id);
  const holds = (u: (typeof people)[number]) => u.roles.some((r) => r.role === 'SOL_ADMIN' && r.unitId === unitId);
  const candidates = people.filter((u) => (action === 'GRANT' ? !holds(u) : holds(u)));
  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent(false);
    if (!userId) return setProblem(t.choosePerson);
    setProblem(null);
    if (await order.run({ input: { userId, unitId, role: 'SOL_ADMIN', action } })) {
      setSent(true);
      setUserId('');
      onOrdered();
    }
  }
  return (
    <Panel title={t.newOrder} id="new-order-heading">
      <p className="hint">{t.newOrderHint}</p>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <SelectField
          id="order-action"
          label={t.action}
          value={action}
          onChange={(v) => {
            setAction(v as RoleOrderAction);
            setUserId('');
          }}
          options={[
            ['GRANT', t.grant],
            ['REVOKE', t.revoke],
          ]}
        />
        <SelectField
          id="order-person"
          label={t.person}
          value={userId}
          onChange={setUserId}
          options={[['', t.choose], ...candidates.map((u): [string, string] => [u.id, `${u.name} (${u.username})`])]}
        />
        <div className="form-actions">
          {staff.failure && <Notice tone="error">{staff.failure.text}</Notice>}
          {problem && <Notice tone="error">{problem}</Notice>}
          {sent && <Notice tone="ok">{t.sent}</Notice>}
          <FailureNotice failure={order.failure} />
          <button className="button" type="submit" disabled={order.busy}>{t.submit}</button>
        </div>
      </form>
    </Panel>
  );
}
