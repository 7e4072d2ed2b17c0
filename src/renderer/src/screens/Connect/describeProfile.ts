import type { Profile, TlsMode } from '../../../../shared/contract';

/** Where a profile points, as a person reads it. */
export function whereOf(p: Profile): string {
  if (p.kind === 'embedded') return 'PostgreSQL on this computer, started by Pointkeeper';
  return `${p.login}@${p.host}:${p.port}/${p.database}`;
}

/** Why a TLS mode weaker than verify-full is a risk, in words for the form and the status bar. */
export const tlsWarning = (tls: TlsMode) =>
  tls === 'disable'
    ? 'TLS is off: passwords and ledger data cross the network in clear.'
    : 'TLS does not check the certificate: a server pretending to be this one would get the password.';
