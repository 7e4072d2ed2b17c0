import type { Knex } from 'knex';
import { groupRoles, ownerRole, type Role } from '../src/shared/roles';

/**
 * Who may do what in one Pointkeeper database, applied after every migration (idempotent, and
 * the way a copy made with CREATE DATABASE … TEMPLATE gets roles of its own):
 *
 * - a NOLOGIN owner role owns every table, sequence and function, so the SECURITY DEFINER write
 *   functions run as it; nobody logs in as it and nobody is granted it;
 * - the three group roles (auditor ⊂ operator ⊂ admin) are this database's own, and only they
 *   may connect; they read the ledger and write it only by calling the functions listed here;
 * - every other grant on these objects — PUBLIC, the cluster-wide roles of earlier versions, the
 *   roles of the database this one was copied from — is revoked.
 *
 * Migrations run as a superuser or as a member of the owner role.
 */

/** Tables no staff role may read: the chain key never leaves the database. */
const SECRET_TABLES = new Set(['pointkeeper_keys', 'pointkeeper_backup_key']);

/** EXECUTE per role (each role also has everything granted to the roles below it). */
export const FUNCTION_GRANTS: Record<Role, readonly string[]> = {
  auditor: [
    'pointkeeper_log_operation(text, jsonb, text, text, jsonb)',
    'pointkeeper_scan_start(boolean)',
    'pointkeeper_scan_attach(integer, integer, integer)',
    'pointkeeper_scan_progress(integer, integer)',
    'pointkeeper_scan_save_results(integer, jsonb)',
    'pointkeeper_scan_finish(integer, text, integer, bigint, text)',
    'pointkeeper_scan_cancel(integer)',
    'pointkeeper_chain_breaks(integer, integer)',
    'pointkeeper_chain_breaks_of(integer[])',
    'pointkeeper_staged_chain_breaks(integer)',
    'pointkeeper_backup_key_fingerprint()',
    'pointkeeper_backup_verify(text, text, text, text)',
    // Set-based sync (issue 20): whoever previews stores the plan apply will follow.
    'pointkeeper_recovery_plan_save(text, text, jsonb, text, jsonb)',
    'pointkeeper_recovery_chain_evidence(integer[])',
    // Pure functions the audit's and the backup's queries use.
    'pointkeeper_tx_content(integer, integer, text, integer, text, integer, numeric, integer, text, text, timestamptz)',
  ],
  operator: [
    'pointkeeper_earn(integer, integer, text, text, integer, numeric, text)',
    'pointkeeper_redeem(integer, integer, text, integer, text)',
    'pointkeeper_reverse(integer, text)',
    'pointkeeper_redemption_use(integer)',
    // Approvals (issue 17): who may decide is checked inside against the request's approver role.
    'pointkeeper_approval_request(text, jsonb, text)',
    'pointkeeper_approval_approve(uuid, text)',
    'pointkeeper_approval_deny(uuid, text)',
    'pointkeeper_approval_cancel(uuid, text)',
    // Bulk grants (issue 17B): checking a staged file, keeping it, applying it in chunks.
    'pointkeeper_grants_problems(integer)',
    'pointkeeper_grants_stage(uuid, text, text)',
    'pointkeeper_grants_request(uuid, text)',
    'pointkeeper_grants_start(uuid)',
    'pointkeeper_grants_apply(uuid, integer)',
    'pointkeeper_grants_finish(uuid, text)',
  ],
  admin: [
    'pointkeeper_lock_users(integer[])',
    'pointkeeper_recovery_start(uuid, text, jsonb, text, integer)',
    'pointkeeper_recovery_apply(uuid, integer[])',
    'pointkeeper_recovery_finish(uuid, text)',
    'pointkeeper_recovery_apply_chunk(uuid, integer[], text)',
    'pointkeeper_recovery_resolve(integer, text, text, bigint, integer, integer)',
    'pointkeeper_backup_sign(text)',
    'pointkeeper_restore_write(uuid, text, jsonb, boolean)',
    'pointkeeper_policy_set(text, boolean, bigint, bigint, text, integer, text)',
    'pointkeeper_expiry_policy_set(text, integer, integer)',
    'pointkeeper_expire(timestamptz, integer, integer)',
    'pointkeeper_lots_rebuild(integer[])',
  ],
};

export async function currentDatabase(knex: Knex): Promise<{ name: string; superuser: boolean }> {
  const row = (
    (await knex.raw(
      `SELECT current_database() AS name, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
    )) as { rows: Array<{ name: string; superuser: boolean }> }
  ).rows[0]!;
  return row;
}

async function ensureRole(knex: Knex, role: string): Promise<void> {
  // Roles are cluster-wide: tolerate one made meanwhile by a concurrent migration.
  await knex.raw(
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(role)}) THEN
         CREATE ROLE ${quoteIdent(role)} NOLOGIN;
       END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$`,
  );
}

// Role names come from rolePrefix() and are [a-z0-9_] only; quoting keeps that an invariant.
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Hands every table, sequence and routine of the schema (extensions' excepted) to the owner. */
async function handOver(knex: Knex, owner: string): Promise<void> {
  await knex.raw(
    `DO $$ DECLARE o record; BEGIN
       FOR o IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
           AND c.relowner <> ${quoteLiteral(owner)}::regrole
           -- knex's own bookkeeping stays with the login that migrates.
           AND c.relname NOT IN ('knex_migrations', 'knex_migrations_lock')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
       LOOP
         EXECUTE format('ALTER TABLE %s OWNER TO ${quoteIdent(owner)}', o.name);
       END LOOP;
       FOR o IN SELECT c.oid::regclass AS name FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
           AND c.relowner <> ${quoteLiteral(owner)}::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
       LOOP
         EXECUTE format('ALTER SEQUENCE %s OWNER TO ${quoteIdent(owner)}', o.name);
       END LOOP;
       FOR o IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> ${quoteLiteral(owner)}::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
       LOOP
         EXECUTE format('ALTER %s %s OWNER TO ${quoteIdent(owner)}',
           CASE o.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, o.name);
       END LOOP;
     END $$`,
  );
}

/**
 * Every grant on the schema's objects to anyone but the owner role, revoked: we grant afresh.
 * (The owner is skipped by oid: revoking "ALL ON ALL TABLES" from it would strip its own tables.)
 */
async function revokeAll(knex: Knex, keep: string): Promise<void> {
  await knex.raw(
    `DO $$ DECLARE g record; BEGIN
       FOR g IN
         SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
         WHERE c.relnamespace = 'public'::regnamespace
         UNION
         SELECT a.grantee FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
         WHERE p.pronamespace = 'public'::regnamespace
       LOOP
         -- Nor the login migrating, which keeps knex's bookkeeping tables.
         CONTINUE WHEN g.grantee = ${quoteLiteral(keep)}::regrole OR g.grantee = current_user::regrole;
         EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %s',
           CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(g.grantee::regrole::text) END);
         EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %s',
           CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(g.grantee::regrole::text) END);
         EXECUTE format('REVOKE ALL ON ALL ROUTINES IN SCHEMA public FROM %s',
           CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(g.grantee::regrole::text) END);
       END LOOP;
     END $$`,
  );
}

export async function applyPrivileges(knex: Knex): Promise<void> {
  const { name } = await currentDatabase(knex);
  const roles = groupRoles(name);
  const owner = ownerRole(name);
  for (const role of [owner, roles.auditor, roles.operator, roles.admin]) await ensureRole(knex, role);
  await knex.raw(`GRANT ${quoteIdent(roles.auditor)} TO ${quoteIdent(roles.operator)}`);
  await knex.raw(`GRANT ${quoteIdent(roles.operator)} TO ${quoteIdent(roles.admin)}`);

  await handOver(knex, owner);
  await revokeAll(knex, owner);
  await knex.raw('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  await knex.raw(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(roles.auditor)}`);
  const tables = (
    (await knex.raw(
      `SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
       AND c.relkind IN ('r', 'p', 'v', 'm')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')`,
    )) as { rows: Array<{ name: string }> }
  ).rows
    .map((r) => r.name)
    .filter((t) => !SECRET_TABLES.has(t));
  if (tables.length > 0)
    await knex.raw(`GRANT SELECT ON ${tables.map(quoteIdent).join(', ')} TO ${quoteIdent(roles.auditor)}`);
  // A migration that runs this before later migrations made their functions grants what exists;
  // the run after the last migration grants the rest.
  const existing = new Set(
    (
      (await knex.raw('SELECT fn FROM unnest(?::text[]) fn WHERE to_regprocedure(fn) IS NOT NULL', [
        Object.values(FUNCTION_GRANTS).flat(),
      ])) as { rows: Array<{ fn: string }> }
    ).rows.map((r) => r.fn),
  );
  for (const [role, functions] of Object.entries(FUNCTION_GRANTS) as Array<[Role, readonly string[]]>) {
    for (const fn of functions.filter((f) => existing.has(f)))
      await knex.raw(`GRANT EXECUTE ON FUNCTION ${fn} TO ${quoteIdent(roles[role])}`);
  }

  // The owner's functions sign with pgcrypto's HMAC; nobody else needs it.
  await knex.raw(`GRANT EXECUTE ON FUNCTION public.hmac(bytea, bytea, text) TO ${quoteIdent(owner)}`);

  // Only this database's roles connect. TEMP: scans and restores stage in temporary tables, and
  // the restore function (running as the owner) keeps its own bookkeeping there.
  await knex.raw(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(name)} FROM PUBLIC`);
  await knex.raw(
    `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(name)} TO ${quoteIdent(roles.auditor)}, ${quoteIdent(owner)}`,
  );
  await knex.raw(`UPDATE pointkeeper_database SET database_name = current_database()`);
}

/**
 * After DROP DATABASE its roles stay (they are cluster-wide): this removes them. The group roles
 * go with their memberships; logins that held them stay.
 */
export async function dropRolesOf(knex: Knex, database: string): Promise<void> {
  const names = [...Object.values(groupRoles(database)), ownerRole(database)];
  await knex.raw(`DROP ROLE IF EXISTS ${names.map(quoteIdent).join(', ')}`);
}
