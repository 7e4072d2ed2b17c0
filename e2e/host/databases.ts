import { randomBytes } from 'node:crypto';
import { handlers } from '../../src/main/api/handlers/index';
import { createLocalHandlers } from '../../src/main/api/local';
import { createDispatcher, type Dispatcher } from '../../src/main/api/registry';
import { createKnex, type PgConnection } from '../../src/main/db/knex';
import { migrateLatest } from '../../src/main/db/migrate';
import { openSession, type Session } from '../../src/main/db/session';
import { onMaintenanceDb } from './cluster';
import { ScriptedDesktop } from './scriptedDesktop';

export interface SeedOptions {
  users: number;
  transactions: number;
}

interface Open {
  session: Session;
  dispatch: Dispatcher;
  desktop: ScriptedDesktop;
}

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

  /** A new database cloned from a template, with its own session and dispatcher. */
  async clone(seeded: boolean): Promise<string> {
    const name = newName(seeded ? 'seeded' : 'empty');
    const template = seeded ? this.templates.seeded : this.templates.empty;
    await onMaintenanceDb(this.admin, `CREATE DATABASE ${name} TEMPLATE ${template}`);
    const session = await openSession({ kind: 'server', connection: { ...this.admin, database: name } });
    const desktop = new ScriptedDesktop();
    const local = createLocalHandlers({ desktop });
    this.open.set(name, { session, desktop, dispatch: createDispatcher(handlers, () => session, local) });
    return name;
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
    await entry.session.close();
    await onMaintenanceDb(this.admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return true;
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.open.keys()]) await this.drop(name);
    for (const name of Object.values(this.templates)) {
      await onMaintenanceDb(this.admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
}
