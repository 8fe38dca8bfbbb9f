import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { GcoreNotFoundError, GcoreOutcomeUnknownError, toError } from '../core/errors.js';
import { fingerprintChanges, keyTokenId, protectedBy, type ProtectEntry } from '../core/revocation.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import type { TokenDeleter } from '../gcore/create-token-deleter.js';
import { parseToken } from '../gcore/parse-token.js';
import type { Token } from '../core/token.js';
import type { RevocationRecord, RevocationStore } from '../store/revocation-store.js';
import type { AlertStateStore } from '../store/alert-state-store.js';
import { DEFAULT_ROUTE } from '../alerts/route-findings.js';
import { layoutRevoked } from '../alerts/slack/layout-revoked.js';

/** Long enough for a re-read and a DELETE with its retries; a claim older than this is taken over. */
export const DEFAULT_REVOCATION_LEASE_MS = 5 * 60_000;

export interface RevokeDeps {
  readonly store: RevocationStore;
  readonly api: Pick<GcoreApi, 'getToken'>;
  /** Built only when remediation is enabled: whoever has no deleter cannot call this. */
  readonly deleter: TokenDeleter;
  /**
   * The keys of the token's account: the deleting key (sent with the re-read and the DELETE) and the audit key
   * when this process knows it (null otherwise). Neither key's own token is ever deleted.
   */
  keys(clientId: number): { deleteKey: string; auditKey: string | null };
  readonly protect: readonly ProtectEntry[];
  readonly approvalHours: number;
  readonly leaseMs?: number;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** This process's claim name (default: host, pid and a random part). */
  readonly owner?: string;
  /**
   * The open findings, to tell a revocation carried out to their routes ("Revoked", through the outbox, in
   * the step that records it). Absent: nothing is told.
   */
  readonly alertStates?: Pick<AlertStateStore, 'load'>;
}

export type RevokeResult =
  | { readonly kind: 'done' | 'refused'; readonly record: RevocationRecord }
  /** Not carried out by this call: lapsed, carried out already, or another process holds it. */
  | { readonly kind: 'lapsed' | 'finished' | 'busy' | 'missing'; readonly record: RevocationRecord | null };

/** The "Revoked" message and the routes of the token's open findings (the default route when it has none). */
async function tellOf(record: RevocationRecord, outcome: string, deps: RevokeDeps) {
  if (!deps.alertStates) {
    return undefined;
  }
  const { states, version } = await deps.alertStates.load();
  const mine = [...states.values()].filter((s) => s.finding.clientId === record.clientId && s.finding.tokenId === record.tokenId);
  const routes = new Set(mine.map((s) => s.route));
  const revoked = { by: record.requestedBy, approvedBy: record.approvedBy ?? '?' };
  const message = layoutRevoked({
    clientId: record.clientId,
    tokenId: record.tokenId,
    tokenName: record.fingerprint.name,
    requestedBy: record.requestedBy,
    approvedBy: record.approvedBy ?? '?',
    reason: record.reason,
    outcome,
  });
  return {
    routes: routes.size > 0 ? [...routes].sort() : [DEFAULT_ROUTE],
    messages: [message],
    version,
    states: mine.map((s) => ({ ...s, finding: { ...s.finding, revoked } })),
  };
}

/**
 * Why the token as re-read must not be deleted (steps 1 and 2 of a revocation), or null: changed since the
 * request, the deleting or auditing key's own token, or protected. `deleteKey` null: a dry run, which has
 * none, tells what a live one would (a live one refuses a deleting key that does not show its id).
 */
export function revocationRefusal(
  record: Pick<RevocationRecord, 'clientId' | 'tokenId' | 'fingerprint'>,
  token: Token,
  keys: { readonly deleteKey: string | null; readonly auditKey: string | null },
  protect: readonly ProtectEntry[],
): string | null {
  const changes = fingerprintChanges(record.fingerprint, token);
  if (changes.length > 0) {
    return `the token changed since the request: ${changes.join('; ')}`;
  }
  const deleteKeyId = keys.deleteKey === null ? null : keyTokenId(keys.deleteKey);
  if (keys.deleteKey !== null && deleteKeyId === null) {
    return 'the deleting key does not show its token id ({id}_{secret}): cannot tell it is not this token';
  }
  if (deleteKeyId === record.tokenId || (keys.auditKey !== null && keyTokenId(keys.auditKey) === record.tokenId)) {
    const which = deleteKeyId === record.tokenId ? 'deleting' : 'auditing';
    return `token ${record.tokenId} is the ${which} key itself`;
  }
  return protectedBy(record.clientId, record.tokenId, token.name, protect);
}

const newOwner = () => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * Carries out one approved revocation, once across every process: claim it (fenced), re-read the token and
 * refuse it if anything changed since the request, refuse a key's own token and a protected one, then one
 * DELETE (see create-token-deleter.ts). An unclear end leaves the claim to lapse, so the next claimant
 * re-reads before anything.
 */
export async function carryOutRevocation(id: string, approvedBy: string, deps: RevokeDeps): Promise<RevokeResult> {
  const owner = deps.owner ?? newOwner();
  const claim = await deps.store.claim(id, {
    owner,
    approvedBy,
    now: deps.clock(),
    leaseMs: deps.leaseMs ?? DEFAULT_REVOCATION_LEASE_MS,
    approvalHours: deps.approvalHours,
  });
  if (claim === null) {
    return { kind: 'missing', record: null };
  }
  if (claim.verdict === 'busy' || claim.verdict === 'lapsed' || claim.verdict === 'finished') {
    return { kind: claim.verdict, record: claim.record };
  }
  const record = claim.record;
  const log = deps.logger.child({ revocation: id, clientId: record.clientId, tokenId: record.tokenId, attempt: record.attempt });
  const finish = async (status: 'done' | 'refused', outcome: string): Promise<RevokeResult> => {
    const tell = status === 'done' ? await tellOf(record, outcome, deps) : undefined;
    const finished = await deps.store.finish(record, status, outcome, deps.clock(), tell);
    if (finished === null) {
      // Our lease ran out and another process took the claim over: it decides, and records.
      log.warn('the revocation claim was taken over before its end was recorded');
      return { kind: 'busy', record: await deps.store.get(id) };
    }
    log.info({ status, outcome }, `revocation ${status}`);
    return { kind: status, record: finished };
  };

  const { deleteKey, auditKey } = deps.keys(record.clientId);
  // Before anything, even after a take-over: the previous claimant may have deleted it already.
  let raw: unknown;
  try {
    raw = await deps.api.getToken(record.clientId, record.tokenId, deleteKey);
  } catch (error) {
    if (error instanceof GcoreNotFoundError) {
      return finish('done', 'already gone (HTTP 404 when re-read)');
    }
    return finish('refused', `the token could not be re-read (${toError(error).message}); nothing was deleted`);
  }
  const refusal = revocationRefusal(record, parseToken(raw), { deleteKey, auditKey }, deps.protect);
  if (refusal !== null) {
    return finish('refused', `${refusal}; nothing was deleted`);
  }
  try {
    const outcome = await deps.deleter.deleteToken(record.clientId, record.tokenId, deleteKey);
    return finish('done', outcome === 'deleted' ? 'deleted' : 'already gone (HTTP 404 on DELETE)');
  } catch (error) {
    if (error instanceof GcoreOutcomeUnknownError) {
      // Whether Gcore deleted it is unknown: the claim stays until its lease runs out; the next re-reads.
      log.error({ err: error }, 'revocation outcome unknown; the next approval re-reads the token');
      throw error;
    }
    return finish('refused', `${toError(error).message}; nothing was deleted`);
  }
}
