import { z } from 'zod';
import { parseGcoreDate } from '../core/parse-gcore-date.js';
import { TokenValidationError } from '../core/errors.js';
import type { Token } from '../core/token.js';

// Names, emails and descriptions are written by whoever creates a token: cut them so a hostile or broken
// response cannot balloon reports and alerts, but never drop or fail a token for them. Real values are far shorter.
export const MAX_TEXT = 4096;
export const CUT_MARK = '… (cut)';

/** `value` bounded to MAX_TEXT characters, marked when cut. */
export function cutText(value: string): string {
  if (value.length <= MAX_TEXT) {
    return value;
  }
  const head = value.slice(0, MAX_TEXT);
  // Do not leave half of a surrogate pair behind.
  return (/[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head) + CUT_MARK;
}

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const text = z.string().transform(cutText);
const date = z
  .string()
  .max(64)
  .refine((v) => parseGcoreDate(v) !== null, {
    message: 'expected an RFC 3339 date with a zone, like 2021-01-01T12:00:00.000000Z or 2021-01-01 12:00:00+00:00',
  });

const tokenResponse = z.object({
  id,
  name: text,
  description: text.nullish(),
  exp_date: date.nullable(),
  expired: z.boolean(),
  deleted: z.boolean(),
  created: date,
  // The spec marks last_usage required and non-null, but never-used tokens are reported as null, absent or "".
  last_usage: z.union([z.literal(''), date]).nullish(),
  client_user: z.object({
    deleted: z.boolean(),
    user_id: id,
    user_name: text,
    user_email: text,
    client_id: id,
    // Both optional in Gcore's schema; a role without them is judged as Administrators (src/core/token.ts).
    role: z.object({ id: id.nullish(), name: text.nullish() }),
  }),
});

// The response holds no list, so a path is names only: `client_user.role.id`.
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const json = JSON.stringify(value);
  if (json === undefined) {
    return typeof value;
  }
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}

/** Validates one get-token response. Throws TokenValidationError naming the first bad field. */
export function parseToken(raw: unknown): Token {
  const result = tokenResponse.safeParse(raw, { reportInput: true });
  if (!result.success) {
    // A failed parse has at least one issue, and each carries its input (reportInput).
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const field = fieldPath(issue.path) || '(response)';
    let problem: string;
    if (issue.code === 'too_big' && issue.origin === 'string') {
      problem = `longer than ${String(issue.maximum)} characters`;
    } else {
      problem = `${issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message}, got ${describe(issue.input)}`;
    }
    throw new TokenValidationError(field, `invalid token response: ${field}: ${problem}`);
  }
  const t = result.data;
  const toDate = (v: string) => parseGcoreDate(v) as Date;
  return {
    id: t.id,
    name: t.name,
    description: t.description ?? null,
    expDate: t.exp_date === null ? null : toDate(t.exp_date),
    expired: t.expired,
    deleted: t.deleted,
    created: toDate(t.created),
    lastUsage: t.last_usage ? toDate(t.last_usage) : null,
    issuer: {
      deleted: t.client_user.deleted,
      userId: t.client_user.user_id,
      name: t.client_user.user_name,
      email: t.client_user.user_email,
      clientId: t.client_user.client_id,
    },
    role: { id: t.client_user.role.id ?? null, name: t.client_user.role.name ?? null },
  };
}

const listEntry = z.object({ id });

/**
 * The list endpoint only serves discovery: take each entry's id, and its name when it is text. An entry
 * with a valid id is always taken, whatever its other fields: the get-token endpoint audits it.
 */
export function parseListing(raw: unknown): { ids: { id: number; name: string | null }[]; invalid: number } {
  if (!Array.isArray(raw)) {
    throw new TokenValidationError('(response)', `invalid token list: expected an array, got ${describe(raw)}`);
  }
  const ids: { id: number; name: string | null }[] = [];
  let invalid = 0;
  for (const entry of raw as unknown[]) {
    const parsed = listEntry.safeParse(entry);
    if (parsed.success) {
      const name = (entry as { name?: unknown }).name;
      ids.push({ id: parsed.data.id, name: typeof name === 'string' ? cutText(name) : null });
    } else {
      invalid += 1;
    }
  }
  return { ids, invalid };
}
