import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConnectionState, Profile } from '../../../../shared/contract';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ApiError, messageOf } from '../../data/ApiError';
import { profilesMutations } from '../../data/profiles.mutations';
import { whereOf } from './describeProfile';
import { PasswordPrompt } from './PasswordPrompt';
import { Badge } from '../../components/Badge';

interface Props {
  profiles: Profile[];
  connection: ConnectionState;
  onEdit(profile: Profile): void;
  onConnected(): void;
}

const asksForPassword = (error: unknown) =>
  error instanceof ApiError &&
  typeof error.details === 'object' &&
  error.details !== null &&
  (error.details as { needsPassword?: unknown }).needsPassword === true;

/** Every profile with Connect, Edit and Delete; a password is asked for only when needed. */
export function ProfileList({ profiles, connection, onEdit, onConnected }: Props) {
  const client = useQueryClient();
  const base = profilesMutations.connect(client);
  // Leave the Connect screen first: resetting every query unmounts this list.
  const connect = useMutation({
    ...base,
    onSuccess: async (...args) => {
      onConnected();
      await base.onSuccess?.(...args);
    },
  });
  const remove = useMutation(profilesMutations.remove(client));
  const [asking, setAsking] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Profile | null>(null);
  const start = (profileId: string, password?: string) =>
    connect.mutate(password === undefined ? { profileId } : { profileId, password }, {
      onSuccess: () => setAsking(null),
      onError: (error) => {
        if (asksForPassword(error)) setAsking(profileId);
      },
    });
  const failed = connect.isError && !asksForPassword(connect.error) ? connect.variables?.profileId : null;
  return (
    <>
      <ul className="profile-list" aria-label="Connection profiles">
        {profiles.map((p) => {
          const current = connection.profileId === p.id && connection.status === 'connected';
          return (
            <li key={p.id} className="profile-item card" data-testid={`profile-${p.name}`}>
              <div className="profile-head">
                <span className="strong">{p.name}</span>
                {current && (
                  <Badge tone="info" plain>
                    Connected
                  </Badge>
                )}
                {connection.profileId === p.id && connection.status === 'locked' && (
                  <Badge tone="neutral" plain>
                    Locked
                  </Badge>
                )}
                {p.kind === 'server' && p.passwordSaved && (
                  <Badge tone="neutral" plain>
                    Password in keychain
                  </Badge>
                )}
              </div>
              <div className="muted mono">{whereOf(p)}</div>
              {asking === p.id ? (
                <PasswordPrompt
                  label={`Password for ${p.kind === 'server' ? p.login : p.name}`}
                  busy={connect.isPending}
                  onSubmit={(password) => start(p.id, password)}
                  onCancel={() => setAsking(null)}
                />
              ) : (
                <div className="profile-actions">
                  <button
                    type="button"
                    className="button button-primary button-small"
                    disabled={connect.isPending}
                    onClick={() => start(p.id)}
                  >
                    {connect.isPending && connect.variables?.profileId === p.id ? 'Connecting…' : 'Connect'}
                  </button>
                  {p.kind === 'server' && (
                    <>
                      <button type="button" className="button button-small" onClick={() => onEdit(p)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="button button-ghost button-small"
                        onClick={() => setDeleting(p)}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </div>
              )}
              {(failed === p.id ||
                (asking === p.id &&
                  connect.isError &&
                  !connect.isPending &&
                  connect.variables?.password)) && (
                <p className="notice notice-error" role="alert">
                  {messageOf(connect.error)}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the profile ${deleting?.name ?? ''}?`}
        confirmLabel="Delete"
        busy={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSettled: () => setDeleting(null) })}
      >
        <p>Its saved password is removed from the keychain too. The database itself is not touched.</p>
      </ConfirmDialog>
    </>
  );
}
