import { AuditError, GcoreNotFoundError, TokenValidationError } from '../core/errors.js';
import { findingId, type Finding } from '../core/finding.js';
import type { TokenResult, TokenRow } from '../core/report.js';
import { redact } from '../core/redact.js';
import { roleLabel, type Token } from '../core/token.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { parseToken } from '../gcore/parse-token.js';
import { evaluateToken } from '../core/evaluate-token.js';
import { unevaluatedIssuerRules } from '../core/issuer-rules.js';
import { UNKNOWN_ISSUER, type IssuerFacts } from '../core/issuer-facts.js';
import type { Policy } from '../core/policy.js';
import { REMEDIATION, type RuleHit } from '../core/rule-catalog.js';
import type { TokenRef } from '../core/token-ref.js';
import { keyRefusal } from './key-refusal.js';
import type { RefusedKeys } from '../store/refused-key-store.js';

export type { RefusedKeys };

export interface AuditTokenDeps {
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly policy: Policy;
  readonly now: Date;
  /**
   * Keys Gcore refused in this run: once a key is refused, the account's other tokens are held (see
   * refusedResult) without a request.
   */
  readonly refusedKeys?: RefusedKeys;
  /** The issuer's facts, read once per run (read-roster.ts); absent: nothing known of people (UNKNOWN_ISSUER). */
  readonly issuerOf?: (clientId: number, userId: number, apiKey: string) => Promise<IssuerFacts>;
  /** The company directory (issuers.directory): its verdict on the issuer's email. Absent: unknown. */
  readonly directory?: { verdict(email: string): IssuerFacts['directory'] };
  /** Keep each read token's row for the evidence folder's tokens.csv (only when one is written: it costs memory). */
  readonly rows?: boolean;
}

// Frozen: a caller that pushed to one token's list would otherwise add to every token's.
const NO_FINDINGS = Object.freeze([]) as unknown as Finding[];

/** Rules that say the issuer is gone: the token's owner is then the inventory's, or none (the default route). */
const ISSUER_GONE: ReadonlySet<RuleHit['rule']> = new Set(['issuer-left', 'issuer-deleted']);

export function toFinding(ref: TokenRef, token: Token | null, hit: RuleHit, issuerGone = false): Finding {
  return {
    id: findingId(ref.clientId, ref.tokenId, hit.rule),
    rule: hit.rule,
    severity: hit.severity,
    clientId: ref.clientId,
    accountName: null,
    tokenId: ref.tokenId,
    tokenName: token?.name ?? ref.listedName,
    role: token ? roleLabel(token) : null,
    // Never a gone person's email: routing by owner would send the finding to nobody who can act on it.
    owner: ref.owner ?? (issuerGone ? null : (token?.issuer.email ?? null)),
    issuer: token
      ? { userId: token.issuer.userId, name: token.issuer.name, email: token.issuer.email, deleted: token.issuer.deleted }
      : null,
    created: token?.created.toISOString() ?? null,
    lastUsage: token?.lastUsage?.toISOString() ?? null,
    expDate: token?.expDate?.toISOString() ?? null,
    message: hit.message,
    remediation: REMEDIATION[hit.rule],
    muted: false,
    muteReason: null,
  };
}

export function failedResult(ref: TokenRef, reason: string): TokenResult {
  const hit: RuleHit = { rule: 'audit-failed', severity: 'high', message: `Could not be audited: ${reason}` };
  return { clientId: ref.clientId, tokenId: ref.tokenId, status: 'failed', findings: [toFinding(ref, null, hit)] };
}

/**
 * A token not read because its account's key was refused or missing: no finding of its own (the account's
 * coverage gap tells the cause once), and status failed, so the findings it had stay open as they were.
 */
export function refusedResult(ref: TokenRef, reason: string): TokenResult {
  return { clientId: ref.clientId, tokenId: ref.tokenId, status: 'failed', findings: NO_FINDINGS, refused: reason };
}

/** tokens.csv's row of a token that was read. */
function tokenRow(ref: TokenRef, token: Token): TokenRow {
  return {
    name: token.name,
    role: roleLabel(token),
    owner: ref.owner ?? token.issuer.email,
    issuer: { userId: token.issuer.userId, name: token.issuer.name, deleted: token.issuer.deleted },
    created: token.created.toISOString(),
    lastUsage: token.lastUsage?.toISOString() ?? null,
    expDate: token.expDate?.toISOString() ?? null,
  };
}

/** The token with `apiKey` redacted from every text field: the API may echo the key it was called with. */
function redactToken(token: Token, apiKey: string): Token {
  const r = (text: string) => redact(text, [apiKey]);
  return {
    ...token,
    name: r(token.name),
    description: token.description === null ? null : r(token.description),
    issuer: { ...token.issuer, name: r(token.issuer.name), email: r(token.issuer.email) },
    role: { ...token.role, name: token.role.name === null ? null : r(token.role.name) },
  };
}

/**
 * Reads one token with the get-token endpoint and evaluates the rules. Never throws for the token's own
 * problems (unreadable, invalid, gone): those are results, so one bad token cannot stop the others.
 * Throws only what the caller should retry as a whole, which the API layer has already retried: nothing.
 */
export async function auditToken(ref: TokenRef, deps: AuditTokenDeps): Promise<TokenResult> {
  if (ref.failure !== null) {
    return refusedResult(ref, ref.failure); // a job queued by an older version: its failure was the key's
  }
  const keyId = `${ref.apiKeyEnv}:${ref.clientId}`;
  const refused = await deps.refusedKeys?.get(keyId);
  if (refused !== undefined) {
    return refusedResult(ref, refused);
  }
  let apiKey: string;
  try {
    apiKey = deps.secrets.get(ref.apiKeyEnv);
  } catch (error) {
    // Secrets throw only SecretError, which is the key's refusal; anything else is a bug.
    const refusal = keyRefusal(error, ref.apiKeyEnv, ref.clientId);
    if (refusal !== null) {
      return refusedResult(ref, refusal);
    }
    throw error;
  }
  // Whatever the API said goes through redaction before it is kept, printed or posted.
  const failed = (reason: string) => failedResult(ref, redact(reason, [apiKey]));
  let raw: unknown;
  try {
    raw = await deps.api.getToken(ref.clientId, ref.tokenId, apiKey);
  } catch (error) {
    if (error instanceof GcoreNotFoundError) {
      const findings = ref.inInventory
        ? [toFinding(ref, null, { rule: 'token-gone', severity: 'info', message: 'The inventory lists this token, but Gcore no longer has it (HTTP 404).' })]
        : [];
      return { clientId: ref.clientId, tokenId: ref.tokenId, status: 'gone', findings };
    }
    const refusal = keyRefusal(error, ref.apiKeyEnv, ref.clientId);
    if (refusal !== null) {
      await deps.refusedKeys?.set(keyId, refusal);
      return refusedResult(ref, refusal);
    }
    if (error instanceof AuditError) {
      return failed(error.message);
    }
    throw error;
  }
  let token: Token;
  try {
    token = redactToken(parseToken(raw), apiKey);
  } catch (error) {
    if (error instanceof TokenValidationError) {
      return failed(error.message);
    }
    throw error;
  }
  if (token.id !== ref.tokenId) {
    return failed(`invalid token response: id: expected ${ref.tokenId}, got ${token.id}`);
  }
  const known = (await deps.issuerOf?.(ref.clientId, token.issuer.userId, apiKey)) ?? UNKNOWN_ISSUER;
  // The roster's facts and the company directory's verdict on the issuer's email (asked here, never stored).
  const issuer: IssuerFacts = deps.directory === undefined ? known : { ...known, directory: deps.directory.verdict(token.issuer.email) };
  const hits = evaluateToken(token, ref, deps.now, deps.policy, issuer);
  const issuerGone = hits.some((h) => ISSUER_GONE.has(h.rule));
  const notEvaluated = unevaluatedIssuerRules(token, deps.policy, issuer);
  const snapshot = {
    expDate: token.expDate?.toISOString() ?? null,
    expired: token.expired,
    deleted: token.deleted,
    lastUsage: token.lastUsage?.toISOString() ?? null,
    issuerDeleted: token.issuer.deleted,
    inInventory: ref.inInventory,
  };
  return {
    clientId: ref.clientId,
    tokenId: ref.tokenId,
    status: 'audited',
    // Most tokens break no rule: one shared empty list rather than one each.
    findings: hits.length === 0 ? NO_FINDINGS : hits.map((h) => toFinding(ref, token, h, issuerGone)),
    snapshot,
    ...(issuer.isKeyUser ? { keyUser: true as const } : {}),
    ...(notEvaluated.length === 0 ? {} : { notEvaluated }),
    ...(deps.rows === true ? { row: tokenRow(ref, token) } : {}),
  };
}
