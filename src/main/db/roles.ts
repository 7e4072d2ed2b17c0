import type { Knex } from 'knex';
import type { DatabaseRoles } from '../../shared/roles';
import { groupRoles, ownerRole, ROLES } from '../../shared/roles';

/**
 * The connected database's group roles (made by `db migrate`, see migrations/privileges.ts) and
 * the roles or logins that hold each directly — what a DBA checks before and after a GRANT.
 */
export async function listDatabaseRoles(knex: Knex): Promise<DatabaseRoles> {
  const database = (
    (await knex.raw('SELECT current_database() AS name')) as { rows: Array<{ name: string }> }
  ).rows[0]!.name;
  const names = groupRoles(database);
  const held = (await knex.raw(
    `SELECT g.rolname AS role, m.rolname AS member FROM pg_auth_members am
     JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
     WHERE g.rolname = ANY(?) AND NOT m.rolname = ANY(?) ORDER BY m.rolname`,
    [Object.values(names), Object.values(names)],
  )) as { rows: Array<{ role: string; member: string }> };
  return {
    database,
    owner: ownerRole(database),
    roles: ROLES.map((role) => ({
      role,
      pgRole: names[role],
      members: held.rows.filter((r) => r.role === names[role]).map((r) => r.member),
    })),
  };
}
