import type { Logger } from 'pino';
import { GcoreNotFoundError, toError } from '../core/errors.js';
import type { ProtectEntry } from '../core/revocation.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { parseToken } from '../gcore/parse-token.js';
import type { Mute } from '../core/mute.js';
import { quarantineApprover, quarantineVerdict, type QuarantineEntry } from '../core/quarantine.js';
import type { QuarantineDetails, RevocationRecord, RevocationStore } from '../store/revocation-store.js';
import { carryOutRevocation, revocationRefusal, type RevokeDeps } from './revoke-token.js';

/** Quarantines settled per check at most: a backlog is worked through by the next sweeps and runs. */
export const QUARANTINE_BATCH = 100;

export interface QuarantineCheckDeps {
  readonly store: RevokeDeps['store'] & Pick<RevocationStore, 'dueQuarantines' | 'close' | 'settled' | 'announced'>;
  /** The mutes in force (configuration and `mute add`), as a run applies them. */
  readonly mutes: () => Promise<readonly Mute[]>;
  /** remediation.quarantine as configured now: a record is deleted only while a live entry for its rule remains. */
  readonly entries: readonly QuarantineEntry[];
  /**
   * How this process deletes: carryOutRevocation's deps, and each account's keys (null: no deleting key for it).
   * null: it cannot (remediation off, or no live entry): every quarantine due ends as a dry run.
   */
  readonly deleting: {
    readonly revoke: Omit<RevokeDeps, 'store' | 'keys' | 'clock' | 'logger'>;
    keysOf(clientId: number): Promise<ReturnType<RevokeDeps['keys']> | null>;
  } | null;
  /** How a dry run tells what a live run would do: the token re-read with the account's audit key, then the same refusals. Absent: not told. */
  readonly reading?: {
    readonly api: Pick<GcoreApi, 'getToken'>;
    auditKeyOf(clientId: number): Promise<string | null>;
    readonly protect: readonly ProtectEntry[];
  };
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly batch?: number;
}

export type QuarantineCheckOutcome = 'kept' | 'muted' | 'dry-run' | 'done' | 'refused' | 'busy' | 'error' | 'gone';

/** Whether the quarantine may still be deleted now: live when recorded, and a live entry for its rule still configured. */
function liveNow(q: QuarantineDetails, deps: QuarantineCheckDeps): boolean {
  return !q.dryRun && deps.deleting !== null && deps.entries.some((e) => e.rule === q.rule && !e.dryRun);
}

/**
 * The deadline check, at each sweep and each run's report job: the quarantines whose deadline has come
 * (a bounded read of the deadline list) get their verdict with the mutes in force: kept (`revoke keep`) or
 * muted, recorded as such; would-delete in dry run, recorded "dry-run"; delete, carried out as an approved
 * request with the policy as approver (carryOutRevocation: claimed once, re-read, key's own and protected
 * tokens refused, one DELETE). Two processes at the same deadline: the claim (or close-revocation.lua's
 * pending check) lets one act. Nothing here throws for one quarantine: it is logged and tried again.
 */
export async function checkQuarantines(deps: QuarantineCheckDeps): Promise<Map<QuarantineCheckOutcome, number>> {
  const now = deps.clock();
  const tally = new Map<QuarantineCheckOutcome, number>();
  const count = (o: QuarantineCheckOutcome) => tally.set(o, (tally.get(o) ?? 0) + 1);
  const due = await deps.store.dueQuarantines(now, deps.batch ?? QUARANTINE_BATCH);
  if (due.length === 0) {
    return tally;
  }
  const mutes = await deps.mutes();
  const settled: string[] = [];
  for (const { id, record } of due) {
    // Kept, cancelled or finished since (or pruned): nothing left to decide.
    if (record?.quarantine === undefined || (record.status !== 'pending' && record.status !== 'executing')) {
      settled.push(id);
      count(record?.status === 'kept' ? 'kept' : 'gone');
      continue;
    }
    const log = deps.logger.child({ revocation: id, clientId: record.clientId, tokenId: record.tokenId });
    try {
      const outcome = await settle(record, record.quarantine, mutes, now, deps, log);
      count(outcome);
      if (outcome !== 'busy') {
        settled.push(id);
      }
    } catch (error) {
      // Unknown outcome of a DELETE, Redis away...: the claim stays to its lease; the next check re-reads.
      log.error({ err: toError(error) }, 'quarantine: not settled at its deadline; tried again at the next check');
      count('error');
    }
  }
  await deps.store.settled(...settled);
  return tally;
}

async function settle(
  record: RevocationRecord,
  q: QuarantineDetails,
  mutes: readonly Mute[],
  now: Date,
  deps: QuarantineCheckDeps,
  log: Logger,
): Promise<QuarantineCheckOutcome> {
  const live = liveNow(q, deps);
  // An executing one was decided already (its claimant died or is still at it): carried on, never re-judged.
  const verdict =
    record.status === 'executing'
      ? 'delete'
      : quarantineVerdict({ clientId: record.clientId, tokenId: record.tokenId, rules: q.rules, deadline: new Date(q.deadline), kept: false, dryRun: !live }, mutes, now);
  switch (verdict) {
    case 'wait':
      return 'busy';
    case 'kept':
      return 'kept';
    case 'muted': {
      await deps.store.close(record.id, 'muted', null, 'muted at its deadline: nothing was deleted', now);
      log.info('quarantine: muted at its deadline; nothing deleted');
      return 'muted';
    }
    case 'would-delete': {
      const why = q.dryRun ? 'dry run' : 'dry run (the policy is no longer live here)';
      const would = await wouldEnd(record, deps);
      await deps.store.close(record.id, 'dry-run', null, `${why}: ${would}; nothing was deleted`, now);
      log.info({ would }, 'quarantine: dry run at its deadline');
      return 'dry-run';
    }
    case 'delete':
      break;
  }
  if (deps.deleting === null) {
    return 'busy'; // executing, claimed by a process that could delete: left to it (or to one that can)
  }
  if (record.status === 'pending' && !(await deps.store.announced(q))) {
    // Slack has not heard of it yet (the route is failing): nobody could mute or keep it. It waits.
    log.warn('quarantine: its deadline has come but its announcement is not delivered yet; nothing deleted until it is');
    return 'busy';
  }
  const keys = await deps.deleting.keysOf(record.clientId);
  if (keys === null) {
    await deps.store.close(record.id, 'refused', null, `account ${record.clientId} has no deleting key here (not configured): nothing was deleted`, now);
    return 'refused';
  }
  const result = await carryOutRevocation(record.id, quarantineApprover(q), {
    ...deps.deleting.revoke,
    store: deps.store,
    keys: () => keys,
    clock: deps.clock,
    logger: log,
  });
  switch (result.kind) {
    case 'done':
    case 'refused':
    case 'busy':
      return result.kind;
    case 'finished':
    case 'lapsed':
    case 'missing':
      return 'gone'; // ended by another process meanwhile (quarantines never lapse)
  }
}

/** What a live run would have done with a dry-run quarantine at its deadline: the same re-read and refusals. */
async function wouldEnd(record: RevocationRecord, deps: QuarantineCheckDeps): Promise<string> {
  const deleted = 'would have been deleted at its deadline';
  if (deps.reading === undefined) {
    return deleted;
  }
  const auditKey = await deps.reading.auditKeyOf(record.clientId);
  if (auditKey === null) {
    return deleted;
  }
  let raw: unknown;
  try {
    raw = await deps.reading.api.getToken(record.clientId, record.tokenId, auditKey);
  } catch (error) {
    return error instanceof GcoreNotFoundError ? 'already gone (HTTP 404 when re-read)' : `would have been refused: the token could not be re-read (${toError(error).message})`;
  }
  const refusal = revocationRefusal(record, parseToken(raw), { deleteKey: null, auditKey }, deps.reading.protect);
  return refusal === null ? deleted : `would have been refused: ${refusal}`;
}
