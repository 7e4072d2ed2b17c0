import type * as KeytarModule from 'keytar';
import type { KeychainStatus } from '../../shared/contract';
import { AppError } from '../errors';
import { logger } from '../logger';

/** Every password Pointkeeper keeps is under this service name in the OS keychain. */
export const KEYCHAIN_SERVICE = 'Pointkeeper';

/** Where passwords live: the OS keychain, never a file. Accounts are profile ids. */
export interface Keychain {
  status(): Promise<KeychainStatus>;
  get(account: string): Promise<string | null>;
  set(account: string, password: string): Promise<void>;
  /** True when there was an entry to delete. */
  remove(account: string): Promise<boolean>;
}

type Keytar = typeof KeytarModule;

const NO_KEYCHAIN = 'Pointkeeper will ask for the password each time and never writes it to disk.';

function explain(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/dbus|secret|org\.freedesktop/i.test(text)) {
    return `No OS keychain is available (no Secret Service on D-Bus: install and unlock GNOME Keyring or KWallet). ${NO_KEYCHAIN}`;
  }
  return `No OS keychain is available (${text.split('\n')[0]}). ${NO_KEYCHAIN}`;
}

/**
 * The OS keychain through keytar (macOS Keychain, Windows Credential Manager, the Secret Service
 * on Linux). Whether it works is found out once, by reading a probe entry: on Linux without a
 * Secret Service keytar throws rather than answering, and the app must then say so plainly.
 */
export function keytarKeychain(service = KEYCHAIN_SERVICE): Keychain {
  let probe: Promise<{ keytar: Keytar | null; status: KeychainStatus }> | null = null;
  const load = () =>
    (probe ??= (async () => {
      try {
        const mod = (await import('keytar')) as Keytar & { default?: Keytar };
        const keytar = mod.default ?? mod;
        await keytar.getPassword(service, '__pointkeeper_probe__');
        return { keytar, status: { available: true, reason: null } };
      } catch (error) {
        logger.warn('no keychain', { error: String(error) });
        return { keytar: null, status: { available: false, reason: explain(error) } };
      }
    })());
  const need = async () => {
    const { keytar, status } = await load();
    if (!keytar) throw new AppError('VALIDATION', status.reason ?? 'No OS keychain is available.');
    return keytar;
  };
  return {
    status: async () => (await load()).status,
    async get(account) {
      const { keytar } = await load();
      return keytar ? keytar.getPassword(service, account) : null;
    },
    set: async (account, password) => (await need()).setPassword(service, account, password),
    async remove(account) {
      const { keytar } = await load();
      return keytar ? keytar.deletePassword(service, account) : false;
    },
  };
}

/** A keychain in memory (the e2e host, tests); `reason` makes it one that is not available. */
export function memoryKeychain(reason: string | null = null): Keychain & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const refuse = () => new AppError('VALIDATION', reason ?? '');
  return {
    entries,
    status: () => Promise.resolve({ available: reason === null, reason }),
    get: (account) => Promise.resolve(reason === null ? (entries.get(account) ?? null) : null),
    set: (account, password) => {
      if (reason !== null) return Promise.reject(refuse());
      entries.set(account, password);
      return Promise.resolve();
    },
    remove: (account) => Promise.resolve(entries.delete(account)),
  };
}
