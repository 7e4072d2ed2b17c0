import './connect.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Profile, ServerProfile } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { hrefOf, navigate } from '../../app/router';
import { profilesMutations } from '../../data/profiles.mutations';
import { profilesQueries } from '../../data/profiles.queries';
import { IdleLockSetting } from './IdleLockSetting';
import { ProfileForm } from './ProfileForm';
import { ProfileList } from './ProfileList';

/**
 * Choose where the console connects: the embedded database or a server profile. Shown on its
 * own route, and in place of every screen while the console is not connected (or locked).
 */
export function ConnectScreen() {
  const client = useQueryClient();
  const overview = useQuery(profilesQueries.overview());
  const disconnect = useMutation(profilesMutations.disconnect(client));
  const [editing, setEditing] = useState<ServerProfile | 'new' | null>(null);
  if (overview.isError)
    return (
      <ErrorNotice
        title="Could not read the connection profiles"
        error={overview.error}
        onRetry={() => void overview.refetch()}
      />
    );
  const data = overview.data;
  if (!data) return <div className="screen muted">Loading connections…</div>;
  const { connection, keychain } = data;
  return (
    <section className="screen connect-screen" aria-label="Connections">
      <header className="screen-header">
        <h1>Connections</h1>
        {connection.status === 'connected' && (
          <button type="button" className="button button-small" onClick={() => disconnect.mutate()}>
            Disconnect
          </button>
        )}
        <button
          type="button"
          className="button button-primary button-small"
          onClick={() => setEditing('new')}
        >
          Add profile
        </button>
      </header>
      {connection.status !== 'connected' && connection.message && (
        <p className="notice notice-info" role="status" data-testid="connection-message">
          {connection.message}
        </p>
      )}
      {!keychain.available && (
        <p className="notice notice-info" data-testid="keychain-notice">
          {keychain.reason}
        </p>
      )}
      {editing !== null ? (
        <ProfileForm
          key={editing === 'new' ? 'new' : editing.id}
          profile={editing === 'new' ? null : editing}
          keychain={keychain}
          onDone={() => setEditing(null)}
        />
      ) : (
        <ProfileList
          profiles={data.profiles}
          connection={connection}
          onEdit={(p: Profile) => p.kind === 'server' && setEditing(p)}
          onConnected={() => navigate(hrefOf(['users']))}
        />
      )}
      <IdleLockSetting minutes={data.idleLockMinutes} />
    </section>
  );
}
