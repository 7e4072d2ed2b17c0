import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { KeychainStatus, ServerProfile, TlsMode } from '../../../../shared/contract';
import { TLS_MODES } from '../../../../shared/contract/profiles';
import { messageOf } from '../../data/ApiError';
import { tlsWarning } from './describeProfile';
import { useReplicaFields } from './ReplicaFields';
import { desktop } from '../../data/desktop';
import { profilesMutations } from '../../data/profiles.mutations';
import { parseWhole } from '../../lib/fieldErrors';
import { useContractForm } from '../../lib/useContractForm';
import { Field } from '../../components/Field';

interface Props {
  /** The profile edited, or null to add one. */
  profile: ServerProfile | null;
  keychain: KeychainStatus;
  onDone(): void;
}

const TLS_LABELS: Record<TlsMode, string> = {
  disable: 'Off',
  require: 'Required (encrypted, certificate not checked)',
  'verify-full': 'Verify the certificate and host name',
};

/** Add or edit a server profile; Test tries the typed settings without saving or switching. */
export function ProfileForm({ profile, keychain, onDone }: Props) {
  const client = useQueryClient();
  const test = useMutation(profilesMutations.test());
  const [name, setName] = useState(profile?.name ?? '');
  const [host, setHost] = useState(profile?.host ?? 'localhost');
  const [port, setPort] = useState(String(profile?.port ?? 5432));
  const [database, setDatabase] = useState(profile?.database ?? '');
  const [login, setLogin] = useState(profile?.login ?? '');
  const replica = useReplicaFields(profile?.replica);
  // A new profile checks the server's certificate and name; weaker is a choice, with a warning.
  const [tls, setTls] = useState<TlsMode>(profile?.tls ?? 'verify-full');
  const [caFile, setCaFile] = useState(profile?.caFile ?? '');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(keychain.available && (profile?.passwordSaved ?? false));
  const fields = {
    name,
    host,
    port: parseWhole(port),
    database,
    login,
    tls,
    caFile: caFile.trim() === '' ? null : caFile,
    replica: replica.value,
    ...(profile ? { id: profile.id } : {}),
    ...(password ? { password } : {}),
  };
  // Saving and testing take the same fields; the save's schema checks them for both.
  const form = useContractForm(
    'profiles.save',
    { ...fields, rememberPassword: remember },
    profilesMutations.save(client),
  );
  const shown = (key: string) => form.errorFor(key);
  const chooseCa = async () => {
    const picked = await desktop
      .chooseFileToOpen({
        title: 'Choose the CA certificate',
        filters: [{ name: 'Certificates', extensions: ['pem', 'crt', 'cer'] }],
      })
      .catch(() => null);
    if (picked) setCaFile(picked);
  };
  return (
    <form
      className="points-form profile-form"
      aria-label={profile ? `Edit ${profile.name}` : 'New profile'}
      onSubmit={(e) => {
        e.preventDefault();
        form.submit({ onSuccess: onDone });
      }}
    >
      <fieldset>
        <legend>{profile ? `Edit ${profile.name}` : 'New connection profile'}</legend>
        <Field label="Profile name" error={shown('name')}>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <div className="profile-row">
          <Field label="Host" error={shown('host')}>
            <input name="host" value={host} onChange={(e) => setHost(e.target.value)} />
          </Field>
          <Field label="Port" error={shown('port')}>
            <input name="port" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
          </Field>
        </div>
        <div className="profile-row">
          <Field label="Database" error={shown('database')}>
            <input name="database" value={database} onChange={(e) => setDatabase(e.target.value)} />
          </Field>
          <Field label="Login" error={shown('login')}>
            <input
              name="login"
              value={login}
              onChange={(e) => setLogin(e.target.value)}
              autoComplete="username"
            />
          </Field>
        </div>
        <Field label="TLS">
          <select name="tls" value={tls} onChange={(e) => setTls(e.target.value as TlsMode)}>
            {TLS_MODES.map((m) => (
              <option key={m} value={m}>
                {TLS_LABELS[m]}
              </option>
            ))}
          </select>
        </Field>
        {tls !== 'verify-full' && (
          <p className="notice notice-error" role="alert" data-testid="tls-warning">
            {tlsWarning(tls)}
          </p>
        )}
        {tls === 'verify-full' && (
          <div className="profile-row profile-row-file">
            <Field label="CA certificate file (empty: the system's)" error={shown('caFile')}>
              <input name="caFile" value={caFile} onChange={(e) => setCaFile(e.target.value)} />
            </Field>
            <button type="button" className="button" onClick={() => void chooseCa()}>
              Choose…
            </button>
          </div>
        )}
        {replica.element}
        <Field
          label={profile?.passwordSaved ? 'Password (empty: keep the saved one)' : 'Password'}
          error={shown('password')}
        >
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
        </Field>
        <label className="checkbox" title={keychain.reason ?? undefined}>
          <input
            type="checkbox"
            name="remember"
            checked={remember}
            disabled={!keychain.available}
            onChange={(e) => setRemember(e.target.checked)}
          />
          Remember the password in the {keychain.available ? 'OS keychain' : 'keychain (none available)'}
        </label>
        {test.isSuccess && (
          <p className="notice notice-info" role="status" data-testid="profile-test-result">
            Connected as {test.data.login} ({test.data.role ?? 'no Pointkeeper role'}) to PostgreSQL{' '}
            {test.data.serverVersion}, database {test.data.database}.
          </p>
        )}
        {test.isError && (
          <p className="notice notice-error" role="alert" data-testid="profile-test-result">
            {messageOf(test.error)}
          </p>
        )}
        {form.serverError && (
          <p className="notice notice-error" role="alert">
            {form.serverError}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button-ghost" onClick={onDone}>
            Cancel
          </button>
          <button
            type="button"
            className="button"
            disabled={test.isPending}
            onClick={() => {
              if (form.validate()) test.mutate(fields);
            }}
          >
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
          <button type="submit" className="button button-primary" disabled={form.mutation.isPending}>
            {form.mutation.isPending ? 'Saving…' : 'Save'}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
