import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlers } from '../../src/main/api/handlers/index';
import { createLocalHandlers } from '../../src/main/api/local';
import { createDispatcher, type Dispatcher } from '../../src/main/api/registry';
import { createKnex, type PgConnection } from '../../src/main/db/knex';
import { migrateLatest } from '../../src/main/db/migrate';
import { openSession } from '../../src/main/db/session';
import { Connections } from '../../src/main/desktop/connections';
import { memoryKeychain } from '../../src/main/desktop/keychain';
import { ProfilesService } from '../../src/main/desktop/profiles';
import { ProfilesStore } from '../../src/main/desktop/profilesStore';
import { groupRoles, type Role } from '../../src/shared/roles';
import { applyPrivileges, dropRolesOf } from '../../migrations/privileges';
import { onMaintenanceDb } from './cluster';
import { ScriptedDesktop } from './scriptedDesktop';
import { DialogGrants } from '../../src/main/desktop/fileGate';

export interface SeedOptions {
  users: number;
  transactions: number;
}

interface Open {
  connections: Connections;
  dispatch: Dispatcher;
  desktop: ScriptedDesktop;
  /** The data folder of this database's profiles (profiles.json), removed with it. */
  home: string;
  logins: string[];
  /** Set on a second console of another entry's database (see seat). */
  seatOf?: string;
}

export interface CloneOptions {
  seeded: boolean;
  /** False: the profiles see no keychain, as on Linux without a Secret Service. */
  keychain: boolean;
}

/** A login a test can put in a profile: as the Connect screen would need it. */
export interface TestLogin {
  host: string;
  port: number;
  database: string;
  login: string;
  password: string;
}

const NO_KEYCHAIN =
  'No OS keychain is available (the test host has none). Pointkeeper will ask for the password each time and never writes it to disk.';

/** Database names are ours alone: a random run id keeps parallel hosts on one server apart. */
const newName = (prefix: string) => `pk_e2e_${prefix}_${randomBytes(4).toString('hex')}`;

/**
 * Two migrated template databases (one empty, one seeded through the real `demo.generate`
 * call) and any number of clones of them: each test gets a database of its own in well
 * under a second.
 */
export class Databases {
  private readonly open = new Map<string, Open>();

  private constructor(
    private readonly admin: PgConnection,
    private readonly templates: { empty: string; seeded: string },
  ) {}

  static async create(admin: PgConnection, seed: SeedOptions): Promise<Databases> {
    const templates = { empty: newName('tpl_empty'), seeded: newName('tpl_seeded') };
    for (const name of [templates.empty, templates.seeded]) {
      await onMaintenanceDb(admin, `CREATE DATABASE ${name}`);
      const knex = createKnex({ ...admin, database: name }, 1);
      await migrateLatest(knex).finally(() => knex.destroy());
    }
    const dbs = new Databases(admin, templates);
    await dbs.seed(templates.seeded, seed);
    return dbs;
  }

  private async seed(name: string, seed: SeedOptions): Promise<void> {
    const session = await openSession({ kind: 'server', connection: { ...this.admin, database: name } });
    try {
      const result = await createDispatcher(handlers, () => session)('demo.generate', seed);
      if (!result.ok) throw new Error(`Seeding ${name} failed: ${result.error.message}`);
    } finally {
      await session.close(); // a template must have no connections when it is cloned
    }
  }

  /**
   * A new database cloned from a template, with its own dispatcher, connected as the host's
   * superuser; its Connect screen has profiles of its own (a temporary data folder, a keychain
   * in memory) and may switch the session to another login.
   */
  async clone({ seeded, keychain }: CloneOptions): Promise<string> {
    const name = newName(seeded ? 'seeded' : 'empty');
    const template = seeded ? this.templates.seeded : this.templates.empty;
    await onMaintenanceDb(this.admin, `CREATE DATABASE ${name} TEMPLATE ${template}`);
    // A copy carries its template's grants: it gets roles of its own, as `db migrate` gives.
    const adopt = createKnex({ ...this.admin, database: name }, 1);
    await applyPrivileges(adopt).finally(() => adopt.destroy());
    await this.mount(name, name, keychain);
    return name;
  }

  /**
   * Another console on the same database (a second person's window): its own dispatcher,
   * session and Connect screen, so two browser contexts can be two logins at once. Dropped with
   * its database; its key routes like a database name (`/db/<key>/rpc/`).
   */
  async seat(name: string): Promise<string | null> {
    if (!this.open.has(name) || this.open.get(name)!.seatOf) return null;
    const key = `${name}_seat${[...this.open.values()].filter((e) => e.seatOf === name).length + 1}`;
    await this.mount(key, name, true);
    this.open.get(key)!.seatOf = name;
    return key;
  }

  private async mount(key: string, name: string, keychain: boolean): Promise<void> {
    const session = await openSession({ kind: 'server', connection: { ...this.admin, database: name } });
    const home = await mkdtemp(join(tmpdir(), 'pk-e2e-profiles-'));
    const connections = new Connections();
    const profiles = new ProfilesService({
      home,
      store: new ProfilesStore(home),
      keychain: memoryKeychain(keychain ? null : NO_KEYCHAIN),
      connections,
    });
    await profiles.adopt(session);
    const desktop = new ScriptedDesktop();
    // As in the app: the page writes files only where the (scripted) save dialog pointed.
    const grants = new DialogGrants(home);
    const local = createLocalHandlers({ desktop: grants.wrap(desktop), profiles });
    const dispatch = createDispatcher(handlers, () => connections.session, local, grants.gate());
    this.open.set(key, { connections, desktop, dispatch, home, logins: [] });
  }

  /** A fresh login in a Pointkeeper role, able to connect to the database `name`. */
  async createLogin(name: string, role: Role): Promise<TestLogin | null> {
    const entry = this.open.get(name);
    if (!entry) return null;
    const login = `${name}_${role}_${entry.logins.length}`;
    const password = randomBytes(12).toString('hex');
    await onMaintenanceDb(
      this.admin,
      `CREATE ROLE ${login} LOGIN PASSWORD '${password}' IN ROLE ${groupRoles(name)[role]}`,
    );
    entry.logins.push(login);
    return { host: this.admin.host, port: this.admin.port, database: name, login, password };
  }

  /** The data folder holding this database's profiles.json. */
  profilesHome(name: string): string | null {
    return this.open.get(name)?.home ?? null;
  }

  dispatcher(name: string): Dispatcher | null {
    return this.open.get(name)?.dispatch ?? null;
  }

  /** The scripted dialogs of a test's database. */
  desktop(name: string): ScriptedDesktop | null {
    return this.open.get(name)?.desktop ?? null;
  }

  async drop(name: string): Promise<boolean> {
    const entry = this.open.get(name);
    if (!entry) return false;
    this.open.delete(name);
    await entry.connections.close();
    if (entry.seatOf) {
      await rm(entry.home, { recursive: true, force: true });
      return true;
    }
    for (const [key, other] of this.open) if (other.seatOf === name) await this.drop(key);
    await onMaintenanceDb(this.admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const login of entry.logins) await onMaintenanceDb(this.admin, `DROP ROLE IF EXISTS ${login}`);
    await this.dropRoles(name);
    await rm(entry.home, { recursive: true, force: true });
    return true;
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.open.keys()]) await this.drop(name);
    for (const name of Object.values(this.templates)) {
      await onMaintenanceDb(this.admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await this.dropRoles(name);
    }
  }

  private async dropRoles(database: string): Promise<void> {
    const knex = createKnex({ ...this.admin, database: 'postgres' }, 1);
    await dropRolesOf(knex, database).finally(() => knex.destroy());
  }
}
