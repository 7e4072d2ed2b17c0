import { useQuery } from '@tanstack/react-query';
import { ApprovalsBadge } from '../components/ApprovalsBadge';
import { messageOf } from '../data/ApiError';
import { transport } from '../data/api';
import { profilesQueries } from '../data/profiles.queries';
import { sessionQueries } from '../data/session.queries';
import { tlsWarning } from '../screens/Connect/describeProfile';
import { ReplicaStatus } from './ReplicaStatus';
import { hrefOf } from './router';
import { setTheme, useTheme, type ThemeChoice } from './theme';

function Field({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <span className="status-field" data-testid={testId}>
      <span className="status-label">{label}</span> {value}
    </span>
  );
}

function ThemeSwitch() {
  const theme = useTheme();
  return (
    <label className="status-field">
      <span className="status-label">Theme</span>{' '}
      <select
        className="theme-select"
        data-testid="theme-select"
        value={theme}
        onChange={(e) => setTheme(e.target.value as ThemeChoice)}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

/** Who and where the console is: the first thing support asks when something looks wrong. */
/** A warning while the console talks to its server with TLS weaker than verify-full. */
function TlsWarning() {
  const overview = useQuery(profilesQueries.overview());
  const id = overview.data?.connection.profileId;
  const profile = overview.data?.profiles.find((p) => p.id === id);
  if (profile?.kind !== 'server' || profile.tls === 'verify-full') return null;
  return (
    <span className="status-error" data-testid="status-tls-warning" title={tlsWarning(profile.tls)}>
      {profile.tls === 'disable' ? 'TLS off' : 'TLS not verified'}
    </span>
  );
}

export function StatusBar() {
  const whoami = useQuery(sessionQueries.whoami());
  const state = whoami.isError ? 'offline' : whoami.data ? 'online' : 'connecting';
  const stateText = { offline: 'Not connected', online: 'Connected', connecting: 'Connecting…' }[state];
  const me = whoami.data;
  return (
    <footer className="statusbar" aria-label="Connection">
      <span
        className={`status-state status-${state}`}
        data-testid="status-connection"
        title={whoami.isError ? messageOf(whoami.error) : undefined}
      >
        <span className="status-dot" aria-hidden="true" />
        {stateText}
      </span>
      {me && (
        <>
          <Field
            label="Server"
            value={me.embedded ? `${me.server} (embedded)` : me.server}
            testId="status-server"
          />
          <Field label="Database" value={me.database} testId="status-database" />
          <Field label="Login" value={me.login} testId="status-login" />
          <Field label="Role" value={me.role ?? 'none'} testId="status-role" />
          <Field label="PostgreSQL" value={me.serverVersion} testId="status-version" />
        </>
      )}
      {me && <TlsWarning />}
      {me && <ReplicaStatus />}
      {me && (
        <a className="status-link" href={hrefOf(['approvals'])} aria-label="Approvals waiting for me">
          <ApprovalsBadge testId="status-approvals-count" />
        </a>
      )}
      {whoami.isError && <span className="status-error">{messageOf(whoami.error)}</span>}
      <span className="status-spacer" />
      <a className="status-link" href={hrefOf(['connect'])} data-testid="status-switch">
        {whoami.isError ? 'Connect…' : 'Switch connection…'}
      </a>
      <ThemeSwitch />
      <Field label="Transport" value={transport() ?? 'none'} testId="status-transport" />
    </footer>
  );
}
