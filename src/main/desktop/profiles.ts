import { randomUUID } from 'node:crypto';
import type {
  ConnectionState,
  Profile,
  ProfilesOverview,
  ServerProfile,
  WhoAmI,
} from '../../shared/contract';
import { LOCAL_PROFILE_ID } from '../../shared/contract/profiles';
import { openSession, type OpenOptions, type Session } from '../db/session';
import type { DbTarget } from '../db/target';
import { AppError } from '../errors';
import type { ProfilesPort, SaveInput, TestInput } from '../api/ports';
import type { Connections } from './connections';
import type { Keychain } from './keychain';
import { describe, serverTarget, type ServerSettings } from './profileTarget';
import type { ProfilesFile, ProfilesStore, StoredProfile } from './profilesStore';

// The port lives with the registry that uses it; re-exported where it used to be.
export { noProfiles, type ProfilesPort, type SaveInput, type TestInput } from '../api/ports';

export interface ProfilesDeps {
  home: string;
  store: ProfilesStore;
  keychain: Keychain;
  connections: Connections;
  open?: (target: DbTarget, options?: OpenOptions) => Promise<Session>;
  log?: (line: string) => void;
}

const EMBEDDED: Profile = { id: LOCAL_PROFILE_ID, kind: 'embedded', name: 'Local database (embedded)' };
const sameServer = (a: ServerSettings, b: ServerSettings) =>
  a.host === b.host && a.port === b.port && a.database === b.database && a.login === b.login;
const sameReplica = (a: ServerSettings['replica'], b: ServerSettings['replica']) =>
  (a ?? null) === null || (b ?? null) === null
    ? (a ?? null) === (b ?? null)
    : a!.host === b!.host && a!.port === b!.port && a!.database === b!.database;
// The saved password goes to the replica too: a test aimed at another standby must type it.
const sameSettings = (a: ServerSettings, b: ServerSettings) =>
  sameServer(a, b) &&
  a.tls === b.tls &&
  (a.caFile ?? null) === (b.caFile ?? null) &&
  sameReplica(a.replica, b.replica);
const needsPassword = (message: string) => new AppError('VALIDATION', message, { needsPassword: true });

/**
 * Connection profiles: settings in profiles.json, passwords only in the keychain, and the one
 * session the dispatcher uses, swapped without a restart.
 */
export class ProfilesService implements ProfilesPort {
  private state: ConnectionState = { status: 'disconnected', profileId: null, message: null };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly open: NonNullable<ProfilesDeps['open']>;

  constructor(private readonly deps: ProfilesDeps) {
    this.open = deps.open ?? openSession;
  }

  /** Read-modify-write of profiles.json one at a time. */
  private edit<T>(change: (file: ProfilesFile) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const file = await this.deps.store.read();
      const result = await change(file);
      await this.deps.store.write(file);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async stored(id: string): Promise<StoredProfile> {
    const found = (await this.deps.store.read()).profiles.find((p) => p.id === id);
    if (!found) throw new AppError('NOT_FOUND', `The connection profile ${id} was not found.`);
    return found;
  }

  private async publicProfile(p: StoredProfile): Promise<ServerProfile> {
    return {
      ...p,
      replica: p.replica ?? null,
      kind: 'server',
      passwordSaved: (await this.deps.keychain.get(p.id)) !== null,
    };
  }

  async overview(): Promise<ProfilesOverview> {
    const file = await this.deps.store.read();
    const servers = await Promise.all(file.profiles.map((p) => this.publicProfile(p)));
    return {
      profiles: [EMBEDDED, ...servers],
      keychain: await this.deps.keychain.status(),
      idleLockMinutes: file.idleLockMinutes,
      connection: { ...this.state },
    };
  }

  async save(input: SaveInput): Promise<ServerProfile> {
    const { password, rememberPassword, id: givenId, ...settings } = input;
    if (givenId === LOCAL_PROFILE_ID)
      throw new AppError('VALIDATION', 'The embedded database cannot be edited.');
    if (rememberPassword && password !== undefined) {
      const keychain = await this.deps.keychain.status();
      if (!keychain.available)
        throw new AppError('VALIDATION', keychain.reason ?? 'No OS keychain is available.');
    }
    const saved = await this.edit(async (file) => {
      const index = givenId === undefined ? -1 : file.profiles.findIndex((p) => p.id === givenId);
      if (givenId !== undefined && index < 0)
        throw new AppError('NOT_FOUND', `The connection profile ${givenId} was not found.`);
      if (file.profiles.some((p) => p.name === settings.name && p.id !== givenId))
        throw new AppError('CONFLICT', `A profile named "${settings.name}" already exists.`);
      const profile: StoredProfile = { id: givenId ?? randomUUID(), ...settings };
      const before = index >= 0 ? file.profiles[index]! : null;
      if (before) file.profiles[index] = profile;
      else file.profiles.push(profile);
      // A remembered password belongs to one login on one server: drop it when either changes.
      const stale = !rememberPassword || (before !== null && !sameServer(before, profile) && !password);
      if (stale) await this.deps.keychain.remove(profile.id);
      else if (password !== undefined) await this.deps.keychain.set(profile.id, password);
      return profile;
    });
    return this.publicProfile(saved);
  }

  async remove(id: string): Promise<void> {
    if (id === LOCAL_PROFILE_ID) throw new AppError('VALIDATION', 'The embedded database cannot be deleted.');
    await this.edit(async (file) => {
      if (!file.profiles.some((p) => p.id === id))
        throw new AppError('NOT_FOUND', `The connection profile ${id} was not found.`);
      file.profiles = file.profiles.filter((p) => p.id !== id);
      if (file.lastProfileId === id) file.lastProfileId = null;
    });
    await this.deps.keychain.remove(id);
  }

  async test(input: TestInput): Promise<WhoAmI> {
    const password = input.password ?? (await this.savedPasswordFor(input));
    // The replica too, when the settings name one: a test proves it is this primary's standby.
    const session = await this.open(await serverTarget(input, password), { migrate: false, poolMax: 1 });
    try {
      return session.whoami;
    } finally {
      await session.close();
    }
  }

  /**
   * The keychain's password for a test only when the test aims at exactly the saved server, login
   * and TLS settings, and the console is not locked: otherwise a test aimed at another server
   * would hand it the saved password.
   */
  private async savedPasswordFor(input: TestInput): Promise<string | undefined> {
    if (input.id === undefined) return undefined;
    if (this.state.status === 'locked')
      throw needsPassword('The console is locked: type the password to test this connection.');
    const saved = await this.stored(input.id);
    if (!sameSettings(saved, input))
      throw needsPassword(
        'These settings differ from the saved profile: type the password to test them (the saved one is used only for the saved server).',
      );
    return (await this.deps.keychain.get(input.id)) ?? undefined;
  }

  private async targetOf(profileId: string, password: string | undefined): Promise<DbTarget> {
    if (profileId === LOCAL_PROFILE_ID) return { kind: 'embedded', home: this.deps.home };
    const profile = await this.stored(profileId);
    const locked = this.state.status === 'locked' && this.state.profileId === profileId;
    if (locked && password === undefined)
      throw needsPassword(`The console is locked: type the password of ${describe(profile)} to unlock it.`);
    const secret = password ?? (await this.deps.keychain.get(profileId)) ?? undefined;
    if (secret === undefined)
      throw needsPassword(`Type the password of ${describe(profile)}: it is not saved in the keychain.`);
    return serverTarget(profile, secret);
  }

  async connect(profileId: string, password?: string): Promise<WhoAmI> {
    const target = await this.targetOf(profileId, password);
    const session = await this.deps.connections.replace(() =>
      this.open(target, { log: this.deps.log ?? (() => {}) }),
    );
    this.state = { status: 'connected', profileId, message: null };
    await this.edit(async (file) => {
      file.lastProfileId = profileId;
    });
    return session.whoami;
  }

  /** The host opened a session itself (DATABASE_URL, the e2e host's test database). */
  adopt(session: Session): Promise<Session> {
    const adopted = this.deps.connections.replace(() => Promise.resolve(session));
    this.state = { status: 'connected', profileId: null, message: null };
    return adopted;
  }

  async disconnect(): Promise<ConnectionState> {
    await this.deps.connections.close();
    this.state = { status: 'disconnected', profileId: null, message: 'Disconnected.' };
    return { ...this.state };
  }

  async lock(): Promise<ConnectionState> {
    if (this.state.status !== 'connected') return { ...this.state };
    const { idleLockMinutes } = await this.deps.store.read();
    await this.deps.connections.close();
    this.state = {
      status: 'locked',
      profileId: this.state.profileId,
      message: `Locked after ${idleLockMinutes} minute(s) without activity.`,
    };
    return { ...this.state };
  }

  async setIdleLock(minutes: number): Promise<number> {
    await this.edit(async (file) => {
      file.idleLockMinutes = minutes;
    });
    return minutes;
  }

  /**
   * At start: the last profile again when that needs no typing (the embedded database, or a
   * password in the keychain); with no profile used yet, the embedded one — a new user sees a
   * working console at once. Otherwise the Connect screen asks.
   */
  async resume(): Promise<void> {
    const { lastProfileId } = await this.deps.store.read();
    const id = lastProfileId ?? LOCAL_PROFILE_ID;
    try {
      await this.connect(id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.state = { status: 'disconnected', profileId: null, message };
    }
  }
}
