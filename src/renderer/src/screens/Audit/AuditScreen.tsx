import './audit.css';
import type { Route } from '../../app/router';
import { ScanPanel } from './ScanPanel';
import { UserAudit } from './UserAudit';

/** `#/audit?user=42` opens with that user's audit. */
export function AuditScreen({ route }: { route: Route }) {
  const param = route.params.get('user');
  const userId = param && /^\d{1,10}$/.test(param) ? Number(param) : null;
  return (
    <section className="screen audit-screen" aria-labelledby="audit-title">
      <header className="screen-header">
        <h1 id="audit-title">Audit</h1>
        <p className="screen-meta">
          Every balance compared with the transaction log, and every log row with its hash.
        </p>
      </header>
      <UserAudit key={userId ?? 'none'} userId={userId} />
      <ScanPanel />
    </section>
  );
}
