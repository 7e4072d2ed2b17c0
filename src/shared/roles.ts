/** Staff roles, least to most powerful; each includes everything below it. */
export const ROLES = ['auditor', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** FNV-1a, 32 bits, as hex: a short, stable tag that tells apart names sanitised alike. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The prefix of one database's PostgreSQL roles. Roles are cluster-wide, so each Pointkeeper
 * database has group roles of its own: a login made for one database has no rights in another.
 * A name that is not already a plain lower-case identifier (or is long) gets a hash of the exact
 * name, so "my-db" and "my_db" never share roles; the longest result stays within PostgreSQL's
 * 63-byte identifiers.
 */
export function rolePrefix(database: string): string {
  const safe = database.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (safe === database && safe.length <= 40) return `pk_${safe}`;
  return `pk_${safe.slice(0, 40)}_${fnv1a(database)}`;
}

/** The PostgreSQL group role behind each console role, for one database (made by `db migrate`). */
export function groupRoles(database: string): Record<Role, string> {
  const prefix = rolePrefix(database);
  return { auditor: `${prefix}_auditor`, operator: `${prefix}_operator`, admin: `${prefix}_admin` };
}

/** The NOLOGIN role that owns one database's tables and its write functions; nobody logs in as it. */
export const ownerRole = (database: string) => `${rolePrefix(database)}_owner`;

/** Before per-database roles (migration 20261202_100), every database shared these. */
export const LEGACY_GROUP_ROLES: Record<Role, string> = {
  auditor: 'pointkeeper_auditor',
  operator: 'pointkeeper_operator',
  admin: 'pointkeeper_admin',
};

export function roleAllows(role: Role | null, least: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(least);
}

export interface WhoAmI {
  /** host:port as the console connected to it. */
  server: string;
  database: string;
  login: string;
  /** The console role the login holds through its Postgres group role; null when it holds none. */
  role: Role | null;
  superuser: boolean;
  serverVersion: string;
  embedded: boolean;
}

/** One console role of the connected database: its PostgreSQL group role and who holds it. */
export interface DatabaseRole {
  role: Role;
  /** The database's own group role (pk_<database>_<role>): grant it to a login to give access. */
  pgRole: string;
  /** Logins that hold it directly; higher roles include the lower ones. */
  members: string[];
}

export interface DatabaseRoles {
  database: string;
  /** The NOLOGIN role that owns the tables and the write functions; never granted to anyone. */
  owner: string;
  roles: DatabaseRole[];
}
