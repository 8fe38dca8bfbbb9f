import { z } from 'zod';
import { GcoreResponseError } from '../core/errors.js';

/**
 * One Gcore user as the issuer rules need it. `email` is here only so the caller can ask the company
 * directory about the person; it must not outlive building the issuer's facts (see src/core/issuer-facts.ts).
 */
export interface GcoreUser {
  readonly id: number;
  readonly email: string;
  readonly deleted: boolean;
  /** false when `activated` or `is_active` is false. */
  readonly canSignIn: boolean;
  readonly sso: boolean;
  /** The role id per account id, from `client_and_roles` (absent on GET /iam/users/{id}: an empty map). */
  readonly roles: ReadonlyMap<number, number | null>;
}

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

// Only the fields the rules use are checked; the rest of Gcore's `User` is ignored, so a new field cannot
// fail the roster. `is_active` is in the schema as required, but its meaning is not documented: absent counts as true.
const user = z.object({
  id,
  email: z.string().max(4096),
  deleted: z.boolean(),
  activated: z.boolean(),
  is_active: z.boolean().optional(),
  sso_auth: z.boolean(),
  client_and_roles: z
    .array(z.object({ client_id: id, user_roles: z.array(z.union([z.string(), z.number()])).max(100) }))
    .max(10_000)
    .optional(),
});

const page = z.object({ count: z.number().int().nonnegative(), results: z.array(z.unknown()) });

const accountDetails = z.object({ currentUser: id.nullish() });

function problem(what: string, error: z.ZodError): GcoreResponseError {
  const issue = error.issues[0];
  const where = issue ? issue.path.map(String).join('.') || '(response)' : '(response)';
  return new GcoreResponseError(`${what}: ${where}: ${issue?.message ?? 'invalid'}`);
}

function roleId(values: readonly (string | number)[]): number | null {
  const n = Number(values[0]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** One user (a page entry, or GET /iam/users/{id}). Throws GcoreResponseError naming the first bad field. */
export function parseUser(raw: unknown, what = 'invalid user'): GcoreUser {
  const result = user.safeParse(raw);
  if (!result.success) {
    throw problem(what, result.error);
  }
  const u = result.data;
  return {
    id: u.id,
    email: u.email,
    deleted: u.deleted,
    canSignIn: u.activated && u.is_active !== false,
    sso: u.sso_auth,
    roles: new Map((u.client_and_roles ?? []).map((c) => [c.client_id, roleId(c.user_roles)])),
  };
}

/** One page of GET /iam/users: the total `count` and its users. One bad entry fails the page (a roster with holes is no roster). */
export function parseUserPage(raw: unknown, offset: number): { count: number; users: GcoreUser[] } {
  const result = page.safeParse(raw);
  if (!result.success) {
    throw problem(`invalid user list at offset ${offset}`, result.error);
  }
  return {
    count: result.data.count,
    users: result.data.results.map((entry, i) => parseUser(entry, `invalid user list at offset ${offset + i}`)),
  };
}

/** The key's own user, from GET /iam/clients/me (`currentUser`); null when Gcore does not say. */
export function parseKeyUserId(raw: unknown): number | null {
  const result = accountDetails.safeParse(raw);
  if (!result.success) {
    throw problem('GET /iam/clients/me', result.error);
  }
  return result.data.currentUser ?? null;
}
