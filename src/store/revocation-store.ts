import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { requestLapsed, type TokenFingerprint } from '../core/revocation.js';
import type { SlackMessage } from '../alerts/slack/slack-message.js';
import type { AlertState } from '../alerts/plan-alerts.js';
import { loadScript } from './load-script.js';
import { storeKeys } from './store-keys.js';
import type { RuleId } from '../core/rule-catalog.js';

const CLAIM = loadScript('claim-revocation');
const FINISH = loadScript('finish-revocation');
const CLOSE = loadScript('close-revocation');
const RECORD_QUARANTINE = loadScript('record-quarantine');

/** muted and dry-run end quarantines only: muted at the deadline; would have been deleted, in dry run. */
export type RevocationStatus = 'pending' | 'executing' | 'done' | 'refused' | 'lapsed' | 'cancelled' | 'kept' | 'muted' | 'dry-run';

/** What a quarantine (remediation.quarantine) adds to its record: the policy, the deadline, the rules it broke. */
export interface QuarantineDetails {
  readonly rule: RuleId;
  readonly afterHours: number;
  readonly dryRun: boolean;
  /** The rules the sentinel announced the token for: a mute of any of them in force at the deadline keeps it. */
  readonly rules: readonly RuleId[];
  readonly deadline: string;
  /**
   * The sweep whose "New token" message announced it, and its routes (marked once that sweep committed): a
   * live quarantine is not deleted while that message is still in an outbox (Slack has not heard it: nobody
   * could mute or keep it yet). Absent: a worker died between the commit and the mark; not waited for.
   */
  readonly announcedIn?: { readonly sweep: string; readonly routes: readonly string[] };
}

/** One revocation as kept in Redis (plain JSON): never a key, a webhook or an email. */
export interface RevocationRecord {
  readonly id: string;
  readonly clientId: number;
  readonly tokenId: number;
  readonly reason: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly requestedAtMs: number;
  /** The open findings of the token when it was asked for (ids). */
  readonly findings: readonly string[];
  /** The token as the get-token endpoint showed it at request time. */
  readonly fingerprint: TokenFingerprint;
  readonly status: RevocationStatus;
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  readonly closedBy?: string;
  /** The claim carrying it out: owner, attempt (raised by each take-over), lease end (ms). */
  readonly owner: string | null;
  readonly attempt: number;
  readonly leaseUntil: number | null;
  /** What happened, for people: "deleted", "refused: used since the request", "not approved in time"... */
  readonly outcome: string | null;
  readonly finishedAt: string | null;
  /** Absent: a `revoke request`. A quarantine is made by the sentinel's policy and never lapses. */
  readonly kind?: 'quarantine';
  readonly quarantine?: QuarantineDetails;
}

/** The field of a token in the quarantine index. */
const tokenField = (r: Pick<RevocationRecord, 'clientId' | 'tokenId'>) => `${r.clientId}/${r.tokenId}`;

export type ClaimVerdict = 'claimed' | 'resumed' | 'busy' | 'lapsed' | 'finished';

/**
 * What a done revocation tells, in the step that records it: its messages to each route's outbox, and the
 * token's open findings marked revoked (written only if the alert state is still at `version`).
 */
export interface RevocationTell {
  readonly routes: readonly string[];
  readonly messages: readonly SlackMessage[];
  readonly version: number;
  readonly states: readonly AlertState[];
}

/** The outbox's run key of a revocation's "Revoked" message (no colon, as every run key). */
export const revokedRunKey = (id: string) => `revoked-${id}`;

/** A revocation as recorded, before anyone carried it out: pending, unclaimed, no outcome. */
export const NOT_STARTED = {
  status: 'pending',
  approvedBy: null,
  approvedAt: null,
  owner: null,
  attempt: 0,
  leaseUntil: null,
  outcome: null,
  finishedAt: null,
} as const satisfies Partial<RevocationRecord>;

/** Short enough to type, random enough never to collide. */
export const newRevocationId = () => `r-${randomBytes(4).toString('hex')}`;

/** A new pending request (`revoke request`, or Request revocation in Slack): the token as it is now, and who asked. */
export function pendingRevocation(input: {
  readonly clientId: number;
  readonly tokenId: number;
  readonly reason: string;
  readonly requestedBy: string;
  readonly now: Date;
  readonly findings: readonly string[];
  readonly fingerprint: TokenFingerprint;
}): RevocationRecord {
  return {
    id: newRevocationId(),
    clientId: input.clientId,
    tokenId: input.tokenId,
    reason: input.reason,
    requestedBy: input.requestedBy,
    requestedAt: input.now.toISOString(),
    requestedAtMs: input.now.getTime(),
    findings: input.findings,
    fingerprint: input.fingerprint,
    ...NOT_STARTED,
  };
}

// Lua's cjson writes an empty array as {}: a record read back always has a list of findings.
function parse(json: string): RevocationRecord {
  const r = JSON.parse(json) as RevocationRecord;
  return { ...r, findings: Array.isArray(r.findings) ? r.findings : [] };
}

/**
 * Revocations (`revoke`): `<prefix>:revoke:requests` (hash: id -> record), `<prefix>:revoke:counts` (hash:
 * final status -> n, for metrics) and `<prefix>:revoke:finished` (sorted set of finished ids by time, pruned
 * after remediation.historyDays). Every change of status is one Lua script, so two processes never both
 * carry one out.
 */
export function createRevocationStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  const three = [keys.revocations, keys.revocationCounts, keys.revocationsFinished];

  const store = {
    async add(record: RevocationRecord): Promise<void> {
      await redis.hset(keys.revocations, record.id, JSON.stringify(record));
    },

    async get(id: string): Promise<RevocationRecord | null> {
      const json = await redis.hget(keys.revocations, id);
      return json ? parse(json) : null;
    },

    /** Every revocation kept, oldest request first. */
    async list(): Promise<RevocationRecord[]> {
      const all = await redis.hgetall(keys.revocations);
      return Object.values(all)
        .map(parse)
        .sort((a, b) => a.requestedAtMs - b.requestedAtMs || a.id.localeCompare(b.id));
    },

    /** Takes the right to carry it out (see claim-revocation.lua); null when there is no such revocation. */
    async claim(
      id: string,
      claim: { owner: string; approvedBy: string; now: Date; leaseMs: number; approvalHours: number },
    ): Promise<{ verdict: ClaimVerdict; record: RevocationRecord } | null> {
      const reply = (await redis.call('EVAL', [
        CLAIM,
        4,
        ...three,
        keys.revocationLapses,
        id,
        claim.owner,
        String(claim.now.getTime()),
        String(claim.leaseMs),
        claim.approvedBy,
        claim.now.toISOString(),
        String(claim.approvalHours * 3_600_000),
      ])) as [string, string?];
      const [verdict, json] = reply;
      // The script answers 'missing' alone, every other verdict with the record.
      return json === undefined ? null : { verdict: verdict as ClaimVerdict, record: parse(json) };
    },

    /**
     * Records the end, only while the claim is still this owner's attempt; null: it is not (fenced out). A
     * `done` with `tell` also puts its messages in each route's outbox, in the same step.
     */
    async finish(
      record: Pick<RevocationRecord, 'id' | 'owner' | 'attempt'>,
      status: 'done' | 'refused',
      outcome: string,
      at: Date,
      tell?: RevocationTell,
    ): Promise<RevocationRecord | null> {
      const run = revokedRunKey(record.id);
      const routeKeys = tell ? [keys.findings, keys.version, ...tell.routes.flatMap((route) => [keys.digest(run, route), keys.outbox(route)])] : [];
      const json = (await redis.call('EVAL', [
        FINISH,
        3 + routeKeys.length,
        ...three,
        ...routeKeys,
        record.id,
        record.owner ?? '',
        String(record.attempt),
        status,
        outcome,
        at.toISOString(),
        String(at.getTime()),
        ...(tell
          ? [JSON.stringify(tell.messages), run, JSON.stringify({ version: tell.version, upserts: tell.states.map((st) => [st.key, JSON.stringify(st)]) })]
          : []),
      ])) as string | null;
      return json ? parse(json) : null;
    },

    /**
     * pending -> cancelled, lapsed or kept (`revoke keep`), or a quarantine's muted, dry-run or refused (no
     * deleting key) at its deadline; the verdict says whether it was pending.
     */
    async close(
      id: string,
      status: 'cancelled' | 'lapsed' | 'kept' | 'muted' | 'dry-run' | 'refused',
      by: string | null,
      outcome: string,
      at: Date,
    ): Promise<{ verdict: 'closed' | 'not-pending'; record: RevocationRecord } | null> {
      const [verdict, json] = (await redis.call('EVAL', [
        CLOSE,
        4,
        ...three,
        keys.revocationLapses,
        id,
        status,
        by ?? '',
        outcome,
        at.toISOString(),
        String(at.getTime()),
      ])) as [string, string?];
      return json === undefined ? null : { verdict: verdict as 'closed' | 'not-pending', record: parse(json) };
    },

    /**
     * Marks lapsed every pending request past `approvalHours` at `now` (the worker does, at each report job,
     * so a lapse is told without anyone running `revoke list`); how many it marked.
     */
    async lapseDue(now: Date, approvalHours: number): Promise<number> {
      let marked = 0;
      for (const r of await store.list()) {
        if (r.status === 'pending' && r.kind !== 'quarantine' && requestLapsed(r.requestedAt, approvalHours, now)) {
          const closed = await store.close(r.id, 'lapsed', null, 'not approved in time', now);
          marked += closed?.verdict === 'closed' ? 1 : 0;
        }
      }
      return marked;
    },

    /**
     * The revocations that ended without a deletion and that no digest has told yet (lapsed requests, and
     * quarantines closed kept or cancelled, or muted, dry run or refused at their deadline), oldest request first (a commit
     * removes the ids it told).
     */
    async untoldLapses(): Promise<RevocationRecord[]> {
      const ids = await redis.smembers(keys.revocationLapses);
      if (ids.length === 0) {
        return [];
      }
      const jsons = await redis.hmget(keys.revocations, ...ids);
      return jsons
        .flatMap((json) => (json ? [parse(json)] : []))
        .sort((a, b) => a.requestedAtMs - b.requestedAtMs || a.id.localeCompare(b.id));
    },

    /** Drops the revocations finished more than `historyDays` before `now` (and a quarantine's index entry); how many. */
    async prune(now: Date, historyDays: number): Promise<number> {
      const cutoff = now.getTime() - historyDays * 86_400_000;
      const ids = await redis.zrangebyscore(keys.revocationsFinished, '-inf', String(cutoff));
      if (ids.length > 0) {
        const quarantined = (await redis.hmget(keys.revocations, ...ids)).flatMap((json) => {
          const r = json ? parse(json) : null;
          return r?.kind === 'quarantine' ? [tokenField(r)] : [];
        });
        const multi = redis.multi().hdel(keys.revocations, ...ids).zrem(keys.revocationsFinished, ...ids).srem(keys.revocationLapses, ...ids).zrem(keys.quarantineDue, ...ids);
        if (quarantined.length > 0) {
          multi.hdel(keys.quarantineTokens, ...quarantined);
        }
        await multi.exec();
      }
      return ids.length;
    },

    /**
     * Records a quarantine once per token (record-quarantine.lua), filed by its deadline; the record kept for
     * the token, which is an earlier one when a sweep found it before.
     */
    async recordQuarantine(record: RevocationRecord & { readonly quarantine: QuarantineDetails }): Promise<RevocationRecord> {
      const json = (await redis.call('EVAL', [
        RECORD_QUARANTINE,
        3,
        keys.revocations,
        keys.quarantineTokens,
        keys.quarantineDue,
        tokenField(record),
        record.id,
        JSON.stringify(record),
        String(Date.parse(record.quarantine.deadline)),
        JSON.stringify(record.quarantine.announcedIn ?? null),
      ])) as string;
      return parse(json);
    },

    /** Whether the message announcing a quarantine left every outbox (Slack accepted it, or set it aside for good); unknown: yes. */
    async announced(q: QuarantineDetails): Promise<boolean> {
      const a = q.announcedIn;
      return a === undefined || a.routes.length === 0 || (await redis.exists(...a.routes.map((route) => keys.digest(a.sweep, route)))) === 0;
    },

    /** The quarantines whose deadline is at or before `now`, at most `limit`, earliest first (null: record gone). */
    async dueQuarantines(now: Date, limit: number): Promise<{ id: string; record: RevocationRecord | null }[]> {
      const ids = await redis.zrangebyscore(keys.quarantineDue, '-inf', String(now.getTime()), 'LIMIT', 0, limit);
      if (ids.length === 0) {
        return [];
      }
      const jsons = await redis.hmget(keys.revocations, ...ids);
      return ids.map((id, i) => {
        const json = jsons[i];
        return { id, record: json ? parse(json) : null };
      });
    },

    /** Takes settled quarantines off the deadline list (their records stay, as every revocation's). */
    async settled(...ids: string[]): Promise<void> {
      if (ids.length > 0) {
        await redis.zrem(keys.quarantineDue, ...ids);
      }
    },

    /** How many revocations ended each way, since the counts began. */
    async counts(): Promise<Map<string, number>> {
      const all = await redis.hgetall(keys.revocationCounts);
      return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
    },
  };
  return store;
}

export type RevocationStore = ReturnType<typeof createRevocationStore>;
