import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { buildReport, type Report, type TokenResult } from '../core/report.js';
import { toError } from '../core/errors.js';
import type { Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { DirectorySource } from '../config/load-directory.js';
import { issuerWarnings } from './issuer-warnings.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { auditToken, failedResult } from './audit-token.js';
import { enumerateAccounts } from './enumerate-accounts.js';
import { mapPool } from './map-pool.js';
import { issuerFacts } from './read-roster.js';
import { startRosters, withRosterErrors } from './read-rosters.js';
import type { IssuerFacts } from '../core/issuer-facts.js';
import type { Finding } from '../core/finding.js';

export interface RunAuditDeps {
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Evaluate the rules as of this instant instead of the run's start (`--now`). */
  readonly evaluateAt?: Date;
  /** Sees every token's result (`plan` compares them with the alert state, as the worker does). */
  readonly onResults?: (results: readonly TokenResult[]) => void;
  /** The company directory, loaded by the caller; its problem goes into the report's warnings. */
  readonly directory?: DirectorySource;
  /** false: onResults gets the results without their snapshots (the evidence folder needs none: less memory). */
  readonly keepSnapshots?: boolean;
  /** Keep each token's row for tokens.csv (`audit --evidence`). */
  readonly rows?: boolean;
  /** Findings about no token (`plan`: the failing Slack routes), muted and sorted with the others as the worker's report does. */
  readonly more?: readonly Finding[];
}

/** The one-shot audit: enumerate every account, audit every token, build the report. */
export async function runAudit(config: Config, deps: RunAuditDeps): Promise<Report> {
  const startedAt = deps.clock();
  const now = deps.evaluateAt ?? startedAt;
  const runId = randomUUID();
  const log = deps.logger.child({ runId });

  const enumerated = await enumerateAccounts(config, deps);
  const refs = enumerated.refs;
  // The people, once per run: each account's roster, and each user it has not seen asked for once. They are
  // read while the tokens are (their requests queue first), not before: a token waits for its account's
  // roster only when it needs it, and the gets fill the slots the people's few calls leave free.
  const rostersRead = startRosters(config, enumerated.accounts, deps);
  for (const roster of rostersRead.values()) {
    roster.catch(() => undefined); // awaited below; until then, a failure is not an unhandled rejection
  }
  const asked = new Map<string, Promise<IssuerFacts>>();
  const issuerOf = (clientId: number, userId: number, apiKey: string): Promise<IssuerFacts> => {
    const field = `${clientId}:${userId}`;
    let facts = asked.get(field);
    if (facts === undefined) {
      // The directory's verdict is asked per token (auditToken), so the facts hold none of it.
      const roster = rostersRead.get(clientId);
      facts = roster === undefined ? issuerFacts(undefined, userId, apiKey, deps.api) : roster.then((r) => issuerFacts(r, userId, apiKey, deps.api));
      asked.set(field, facts);
    }
    return facts;
  };
  for (const a of enumerated.accounts) {
    if (a.error !== null) {
      log.warn({ account: a.label }, `account not fully enumerated: ${a.error}`);
    }
  }
  log.info({ accounts: enumerated.accounts.length, tokens: refs.length }, 'auditing tokens');

  const refusedKeys = new Map<string, string>();
  await deps.directory?.refresh();
  // A snapshot only tells why an alert resolved: the report has no alert state, so only `plan` (onResults)
  // needs them. Not keeping 100,000 of them until the report is built is a tenth of the audit's peak memory.
  const keep = deps.onResults === undefined || deps.keepSnapshots === false ? withoutSnapshot : (r: TokenResult) => r;
  const results = await mapPool(refs, config.gcore.concurrency, async (ref): Promise<TokenResult> => {
    try {
      return keep(await auditToken(ref, { ...deps, policy: config.policy, now, refusedKeys, issuerOf, rows: deps.rows }));
    } catch (error) {
      // A bug, not a token problem: still, one token must not stop the audit of the others.
      log.error({ err: toError(error), clientId: ref.clientId, tokenId: ref.tokenId }, 'unexpected error auditing token');
      return failedResult(ref, 'unexpected error (see the logs)');
    }
  });

  const rosters = new Map(await Promise.all([...rostersRead].map(async ([clientId, roster]) => [clientId, await roster] as const)));
  const accounts = withRosterErrors(enumerated.accounts, rosters);
  for (const a of accounts) {
    if (a.roster !== undefined) {
      log.warn({ account: a.label }, `account's people not read: ${a.roster}`);
    }
  }
  deps.onResults?.(results);
  const report = buildReport({
    runId,
    startedAt,
    finishedAt: deps.clock(),
    now,
    accounts,
    results,
    mutes: config.mutes,
    more: deps.more,
  });
  report.warnings.push(...issuerWarnings(results, deps.directory?.problem ?? null));
  log.info({ summary: report.summary }, 'audit finished');
  return report;
}

// The row stays: it is the evidence folder's tokens.csv (a few short strings a token).
const withoutSnapshot = ({ clientId, tokenId, status, findings, refused, keyUser, notEvaluated, row }: TokenResult): TokenResult => ({
  clientId,
  tokenId,
  status,
  findings,
  ...(refused === undefined ? {} : { refused }),
  ...(keyUser === undefined ? {} : { keyUser }),
  ...(notEvaluated === undefined ? {} : { notEvaluated }),
  ...(row === undefined ? {} : { row }),
});
