import type { Logger } from 'pino';
import type { Finding } from '../core/finding.js';
import { applyMutes, type Mute } from '../core/mute.js';
import type { Config, SentinelSettings } from '../config/config.js';
import type { DirectorySource } from '../config/load-directory.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { planSentinel } from '../alerts/plan-sentinel.js';
import { sweepCounts } from '../alerts/count-changes.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { layoutNewTokens } from '../alerts/slack/layout-new-tokens.js';
import { buttonOptionsOf } from '../config/button-options.js';
import type { AlertStateStore } from '../store/alert-state-store.js';
import type { SentinelStore } from '../store/sentinel-store.js';
import { openCountsOf } from '../alerts/open-tally.js';
import type { AlertState } from '../alerts/plan-alerts.js';
import { oldestOpenBySeverity } from '../core/finding-ages.js';
import { auditToken } from './audit-token.js';
import { memoryIssuerLookup, storedIssuerOf } from './stored-issuers.js';
import type { IssuerLookup } from '../store/issuer-facts-store.js';
import { enumerateAccount } from './enumerate-account.js';
import { mapPool } from './map-pool.js';
import { planAndCommit } from './plan-and-commit.js';
import type { TokenRef } from '../core/token-ref.js';
import type { RevocationRecord } from '../store/revocation-store.js';
import { markAnnounced, quarantineNewTokens, type QuarantineNewTokensDeps } from './quarantine-new-tokens.js';

export interface SweepDeps {
  readonly config: Config;
  readonly sentinel: SentinelSettings;
  /** The worker's one Gcore client: its limiter is shared with any run in progress in this process. */
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly states: Pick<AlertStateStore, 'load'>;
  readonly store: Pick<SentinelStore, 'seen' | 'record' | 'commitSweep'>;
  /** The mutes in force, as a run applies them: the one source of mutes. */
  readonly mutes: () => Promise<readonly Mute[]>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Account ids learnt with `/iam/clients/me`, kept across sweeps so each costs one list call per account. */
  readonly learntIds?: Map<string, number>;
  /** The last run's issuer facts (reused; a user it has not seen is read); null: no run kept any. */
  readonly issuers?: () => Promise<IssuerLookup | null>;
  /** The company directory this replica holds (refreshed before each sweep): the issuer rules of new tokens. */
  readonly directory?: DirectorySource;
  /** remediation.quarantine (with remediation on): announced tokens its entries cover are quarantined; absent: none. */
  readonly quarantine?: Pick<QuarantineNewTokensDeps, 'entries' | 'store'>;
}

export interface SweepResult {
  readonly sweep: string;
  readonly accounts: number;
  /** Accounts that could not be listed (logged): nothing of theirs is posted. */
  readonly listFailed: number;
  /** Accounts recorded for the first time: what they hold is recorded, not posted. */
  readonly seeded: number;
  readonly newTokens: number;
  /** The routes given a "New token" message, and the `created` of each token posted there. */
  readonly posted: readonly { readonly route: string; readonly created: readonly string[] }[];
}

/**
 * One sentinel sweep: list every `discover` account once, read each token never seen before with the
 * get-token endpoint, evaluate it with the run's rules and mutes, and commit the "New token" messages of its
 * findings at or above the sentinel's minimum with their alert states (notified now) and the ids now seen,
 * in one version-checked step. An account never recorded before is only recorded. A token that could not be
 * read stays unseen, so the next sweep tries it again.
 */
export async function sweepAccounts(deps: SweepDeps, sweep: string): Promise<SweepResult> {
  const { config } = deps;
  const now = deps.clock();
  const log = deps.logger.child({ job: 'sweep', sweep });
  const learnt = deps.learntIds ?? new Map<string, number>();
  const accounts = config.accounts.filter((a) => a.discover);

  const listed = await mapPool(accounts, config.gcore.concurrencyPerWorker, async (account) => {
    const clientId = account.clientId ?? learnt.get(account.apiKeyEnv) ?? null;
    const e = await enumerateAccount({ ...account, clientId }, { api: deps.api, secrets: deps.secrets, maxTokensPerAccount: config.gcore.maxTokensPerAccount });
    if (e.account.clientId !== null && account.clientId === null) {
      learnt.set(account.apiKeyEnv, e.account.clientId);
    }
    return { account, e };
  });

  const seeds = new Map<number, number[]>();
  const fresh: TokenRef[] = [];
  let listFailed = 0;
  for (const { e } of listed) {
    if (e.account.error !== null || e.account.clientId === null) {
      listFailed += 1;
      log.warn({ account: e.account.label }, `sentinel: account not listed, nothing of it posted: ${e.account.error ?? 'no account id'}`);
      continue;
    }
    const seen = await deps.store.seen(e.account.clientId);
    if (seen === null) {
      seeds.set(e.account.clientId, e.refs.map((r) => r.tokenId)); // the worker's state is empty: record, never flood
    } else {
      fresh.push(...e.refs.filter((r) => !seen.has(r.tokenId)));
    }
  }
  if (seeds.size > 0) {
    await deps.store.record(seeds);
  }

  // A sweep reads no roster: it reuses the last run's facts and reads only an issuer they lack.
  const lookup = fresh.length > 0 && deps.issuers ? ((await deps.issuers()) ?? memoryIssuerLookup()) : null;
  const issuerOf = lookup === null ? {} : { issuerOf: storedIssuerOf(lookup, deps.api, { reuse: true }) };
  await deps.directory?.refresh();
  const directory = deps.directory === undefined ? {} : { directory: deps.directory };
  const results = await mapPool(fresh, config.gcore.concurrencyPerWorker, (ref) =>
    auditToken(ref, { api: deps.api, secrets: deps.secrets, policy: config.policy, now, ...issuerOf, ...directory }),
  );
  const seenNow = new Map<number, number[]>();
  const raw: Finding[] = [];
  for (const r of results) {
    if (r.status === 'failed') {
      log.warn({ clientId: r.clientId, tokenId: r.tokenId }, 'sentinel: a new token could not be read; the next sweep tries again');
      continue;
    }
    seenNow.set(r.clientId, [...(seenNow.get(r.clientId) ?? []), r.tokenId]);
    raw.push(...r.findings);
  }
  const names = new Map(accounts.filter((a) => a.clientId !== null).map((a) => [a.clientId, a.name]));
  const { findings } = applyMutes(
    raw.map((f) => ({ ...f, accountName: names.get(f.clientId) ?? f.accountName })),
    await deps.mutes(),
    now,
  );

  const sweepResult = (posted: SweepResult['posted']): SweepResult => ({
    sweep,
    accounts: accounts.length,
    listFailed,
    seeded: seeds.size,
    newTokens: fresh.length,
    posted,
  });
  if (seenNow.size === 0) {
    return sweepResult([]);
  }
  const settings = config.notify.slack;
  const quarantined = new Map<string, RevocationRecord>();
  return planAndCommit({
    load: () => deps.states.load(),
    commit: async ({ states, version }) => {
      const plan = planSentinel(states, findings, {
        now,
        minSeverity: deps.sentinel.minSeverity,
        slackMinSeverity: settings.minSeverity,
        routes: settings.routes,
        maxMessages: settings.maxMessagesPerRun,
      });
      const alerts =
        deps.quarantine === undefined || deps.quarantine.entries.length === 0
          ? plan.alerts
          : await quarantineNewTokens(plan.alerts, fresh, { ...deps.quarantine, api: deps.api, secrets: deps.secrets, foundAt: now, logger: log }, quarantined);
      const digests = alerts.map((a) => ({ route: a.route, messages: layoutNewTokens(a, buttonOptionsOf(config)) }));
      const failed = results.filter((r) => r.status === 'failed').length;
      const bySeverity = Object.fromEntries(SEVERITIES.map((x) => [x, findings.filter((f) => f.severity === x).length])) as Record<Severity, number>;
      // A sweep that posts is listed by `runs` (trigger "sentinel"): what it posted counts as new there, once.
      const entry = {
        startedAt: now.toISOString(),
        finishedAt: deps.clock().toISOString(),
        summary: {
          accounts: accounts.length - listFailed,
          tokensAudited: results.length - failed,
          findings: findings.length,
          bySeverity,
          muted: findings.filter((f) => f.muted).length,
          failed,
        },
        counts: sweepCounts(states, plan.upserts),
        ...openAfter(states, plan.upserts),
      };
      await deps.store.commitSweep({ sweep, version, upserts: plan.upserts, digests, seen: seenNow, entry });
      if (deps.quarantine !== undefined && quarantined.size > 0) {
        await markAnnounced(alerts, quarantined, deps.quarantine.store, sweep);
      }
      if (digests.length > 0) {
        log.info({ routes: plan.alerts.map((a) => ({ route: a.route, tokens: a.entries.length, left: a.left })) }, 'sentinel: new tokens to post');
      }
      return sweepResult(plan.alerts.map((a) => ({ route: a.route, created: a.entries.flatMap((x) => (x.created === null ? [] : [x.created])) })));
    },
    onStale: (attempt) => log.info({ attempt }, 'sentinel: a run or sweep committed first: planning again from its state'),
  });
}

/** Every open state once the sweep's posts are in: its history summary's open counts and the oldest-open gauge. */
function openAfter(states: ReadonlyMap<string, AlertState>, upserts: readonly AlertState[]) {
  const after = new Map(states);
  for (const u of upserts) {
    after.set(u.key, u);
  }
  return { openCounts: openCountsOf(after.values()), oldestOpen: oldestOpenBySeverity(after.values()) };
}
