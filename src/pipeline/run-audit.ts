import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { buildReport, type Report, type TokenResult } from '../core/report.js';
import { toError } from '../core/errors.js';
import type { Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { auditToken, failedResult } from './audit-token.js';
import { enumerateAccounts } from './enumerate-accounts.js';
import { mapPool } from './map-pool.js';

export interface RunAuditDeps {
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Evaluate the rules as of this instant instead of the run's start (`--now`). */
  readonly evaluateAt?: Date;
  /** Sees every token's result (`plan` compares them with the alert state, as the worker does). */
  readonly onResults?: (results: readonly TokenResult[]) => void;
  /** false: onResults gets the results without their snapshots (the evidence folder needs none: less memory). */
  readonly keepSnapshots?: boolean;
  /** Keep each token's row for tokens.csv (`audit --evidence`). */
  readonly rows?: boolean;
}

/** The one-shot audit: enumerate every account, audit every token, build the report. */
export async function runAudit(config: Config, deps: RunAuditDeps): Promise<Report> {
  const startedAt = deps.clock();
  const now = deps.evaluateAt ?? startedAt;
  const runId = randomUUID();
  const log = deps.logger.child({ runId });

  const { accounts, refs } = await enumerateAccounts(config, deps);
  for (const a of accounts) {
    if (a.error !== null) {
      log.warn({ account: a.label }, `account not fully enumerated: ${a.error}`);
    }
  }
  log.info({ accounts: accounts.length, tokens: refs.length }, 'auditing tokens');

  const refusedKeys = new Map<string, string>();
  // A snapshot only tells why an alert resolved: the report has no alert state, so only `plan` (onResults)
  // needs them. Not keeping 100,000 of them until the report is built is a tenth of the audit's peak memory.
  const keep = deps.onResults === undefined || deps.keepSnapshots === false ? withoutSnapshot : (r: TokenResult) => r;
  const results = await mapPool(refs, config.gcore.concurrency, async (ref): Promise<TokenResult> => {
    try {
      return keep(await auditToken(ref, { ...deps, policy: config.policy, now, refusedKeys, rows: deps.rows }));
    } catch (error) {
      // A bug, not a token problem: still, one token must not stop the audit of the others.
      log.error({ err: toError(error), clientId: ref.clientId, tokenId: ref.tokenId }, 'unexpected error auditing token');
      return failedResult(ref, 'unexpected error (see the logs)');
    }
  });

  deps.onResults?.(results);
  const report = buildReport({
    runId,
    startedAt,
    finishedAt: deps.clock(),
    now,
    accounts,
    results,
    mutes: config.mutes,
  });
  log.info({ summary: report.summary }, 'audit finished');
  return report;
}

// The row stays: it is the evidence folder's tokens.csv (a few short strings a token).
const withoutSnapshot = ({ clientId, tokenId, status, findings, refused, row }: TokenResult): TokenResult => ({
  clientId,
  tokenId,
  status,
  findings,
  ...(refused === undefined ? {} : { refused }),
  ...(row === undefined ? {} : { row }),
});
