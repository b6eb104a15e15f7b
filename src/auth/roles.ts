/**
 * Roles, from least to most powerful. Each includes everything the ones before it may do:
 * a viewer reads; an operator also starts and steers rollouts; an admin also manages specs and tokens.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route demands: `public` needs no credentials at all (health probes, login, the dashboard's files). */
export type RouteRole = Role | 'public';

/** Who is calling: never carries the secret itself. */
export interface Principal {
  /** Token id (not the token). */
  id: string;
  name: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `have` is at least `need`. */
export function roleAllows(have: Role, need: RouteRole): boolean {
  if (need === 'public') return true;
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}
