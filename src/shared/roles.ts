/** Staff roles, least to most powerful; each includes everything below it. */
export const ROLES = ['auditor', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The Postgres group role behind each console role (created by the migrations). */
export const PG_GROUP_ROLE: Record<Role, string> = {
  auditor: 'pointkeeper_auditor',
  operator: 'pointkeeper_operator',
  admin: 'pointkeeper_admin',
};

export function roleAllows(role: Role | null, least: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(least);
}
