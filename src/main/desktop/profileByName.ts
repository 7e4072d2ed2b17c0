import { LOCAL_PROFILE_ID } from '../../shared/contract/profiles';
import type { DbTarget } from '../db/target';
import { AppError } from '../errors';
import { keytarKeychain, type Keychain } from './keychain';
import { serverTarget } from './profileTarget';
import { ProfilesStore } from './profilesStore';

/**
 * The CLI's `--profile <name>`: a profile saved in the app (same data folder), its password from
 * the keychain, or PGPASSWORD where there is none. `local` is the embedded database.
 */
export async function profileTarget(
  home: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  keychain: Keychain = keytarKeychain(),
): Promise<DbTarget> {
  if (name === LOCAL_PROFILE_ID) return { kind: 'embedded', home };
  const store = new ProfilesStore(home);
  const { profiles } = await store.read();
  const profile = profiles.find((p) => p.name === name || p.id === name);
  if (!profile) {
    const known = ['local', ...profiles.map((p) => p.name)].join(', ');
    throw new AppError('NOT_FOUND', `No connection profile "${name}" in ${store.path} (known: ${known}).`);
  }
  const password = env.PGPASSWORD || ((await keychain.get(profile.id)) ?? undefined);
  if (password === undefined) {
    throw new AppError(
      'VALIDATION',
      `No password for the profile "${name}": remember it in the app (keychain), or set PGPASSWORD.`,
    );
  }
  return serverTarget(profile, password);
}
