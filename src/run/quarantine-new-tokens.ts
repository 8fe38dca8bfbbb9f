import type { Logger } from 'pino';
import { quarantineApprover, quarantineDeadline, quarantineFor, quarantineLine, type QuarantineEntry } from '../core/quarantine.js';
import { fingerprintOf } from '../core/revocation.js';
import { findingId } from '../core/finding.js';
import type { TokenRef } from '../core/token-ref.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { parseToken } from '../gcore/parse-token.js';
import type { NewTokenAlert } from '../alerts/plan-sentinel.js';
import { newRevocationId, NOT_STARTED, type RevocationRecord, type RevocationStore } from '../store/revocation-store.js';

export interface QuarantineNewTokensDeps {
  readonly entries: readonly QuarantineEntry[];
  readonly store: Pick<RevocationStore, 'recordQuarantine'>;
  readonly api: Pick<GcoreApi, 'getToken'>;
  readonly secrets: Pick<Secrets, 'get'>;
  /** When the sweep found the tokens: each deadline is afterHours from it. */
  readonly foundAt: Date;
  readonly logger: Logger;
}

const tokenKey = (t: { clientId: number; tokenId: number }) => `${t.clientId}/${t.tokenId}`;

/**
 * remediation.quarantine for a sweep's "New token" alerts: each token announced whose rules an entry covers
 * gets a pending revocation made by the policy (once per token, see record-quarantine.lua) and its entry the
 * line that says when it goes and how to stop it. Only tokens the sweep announces are quarantined: a token
 * nobody was told of is never deleted by a policy. `made` carries the records across the sweep's commit
 * attempts, so a refused commit reads nothing twice.
 *
 * The token is read once more for its fingerprint (role id included, which findings lack), as `revoke
 * request` does: the deadline's re-read deletes nothing if the token changed since. A token that cannot be
 * read is announced without a quarantine (logged): nothing is deleted that was not recorded.
 */
export async function quarantineNewTokens(
  alerts: readonly NewTokenAlert[],
  refs: readonly TokenRef[],
  deps: QuarantineNewTokensDeps,
  made: Map<string, RevocationRecord>,
): Promise<NewTokenAlert[]> {
  const refOf = new Map(refs.map((r) => [tokenKey(r), r]));
  for (const e of alerts.flatMap((a) => a.entries)) {
    const key = tokenKey(e);
    const entry = quarantineFor(e.rules.map((r) => r.rule), deps.entries);
    const ref = refOf.get(key);
    if (made.has(key) || entry === null || ref === undefined) {
      continue;
    }
    let raw: unknown;
    try {
      raw = await deps.api.getToken(e.clientId, e.tokenId, deps.secrets.get(ref.apiKeyEnv));
    } catch (error) {
      deps.logger.warn({ err: error, clientId: e.clientId, tokenId: e.tokenId }, 'sentinel: a token to quarantine could not be read again; announced without a quarantine');
      continue;
    }
    const at = deps.foundAt;
    const record = await deps.store.recordQuarantine({
      id: newRevocationId(),
      kind: 'quarantine',
      clientId: e.clientId,
      tokenId: e.tokenId,
      reason: `a new token breaking ${entry.rule}, found by the sentinel: deleted ${entry.afterHours} h later unless muted or kept`,
      requestedBy: 'sentinel',
      requestedAt: at.toISOString(),
      requestedAtMs: at.getTime(),
      findings: e.rules.map((r) => findingId(e.clientId, e.tokenId, r.rule)),
      fingerprint: fingerprintOf(parseToken(raw)),
      ...NOT_STARTED,
      quarantine: {
        rule: entry.rule,
        afterHours: entry.afterHours,
        dryRun: entry.dryRun,
        rules: e.rules.map((r) => r.rule),
        deadline: quarantineDeadline(at, entry).toISOString(),
      },
    });
    deps.logger.info({ revocation: record.id, clientId: e.clientId, tokenId: e.tokenId, approver: quarantineApprover(entry) }, 'sentinel: token quarantined');
    made.set(key, record);
  }
  return alerts.map((a) => ({
    ...a,
    entries: a.entries.map((e) => {
      const r = made.get(tokenKey(e));
      // Only while it can still happen: a quarantine kept or settled since is not announced again.
      return r?.quarantine && r.status === 'pending' ? { ...e, quarantine: quarantineLine(r.id, new Date(r.quarantine.deadline), r.quarantine.dryRun) } : e;
    }),
  }));
}

/**
 * Once the sweep's commit put its messages in the outboxes: each quarantine it announced records that sweep
 * and the routes, so the deadline check deletes nothing while that message waits in an outbox. Marked after
 * the commit, never before: a commit refused (and planned again) cannot leave a quarantine pointing at a
 * message that was never queued. A pending one only (record-quarantine.lua).
 */
export async function markAnnounced(
  alerts: readonly NewTokenAlert[],
  made: ReadonlyMap<string, RevocationRecord>,
  store: Pick<RevocationStore, 'recordQuarantine'>,
  sweep: string,
): Promise<void> {
  const routesOf = new Map<string, string[]>();
  for (const a of alerts) {
    for (const e of a.entries) {
      routesOf.set(tokenKey(e), [...(routesOf.get(tokenKey(e)) ?? []), a.route]);
    }
  }
  for (const [key, routes] of routesOf) {
    const r = made.get(key);
    if (r?.quarantine !== undefined) {
      await store.recordQuarantine({ ...r, quarantine: { ...r.quarantine, announcedIn: { sweep, routes } } });
    }
  }
}
