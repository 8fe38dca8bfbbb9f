import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { buildReport, type Report, type TokenResult } from '../core/report.js';
import { toError } from '../core/errors.js';
import type { Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { auditToken, failedResult } from './audit-token.js';
import { enumerateAccount } from './enumerate-account.js';
import { mapPool } from './map-pool.js';
import type { TokenRef } from './token-ref.js';

export interface RunAuditDeps {
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Evaluate the rules as of this instant instead of the run's start (`--now`). */
  readonly evaluateAt?: Date;
}

/** Drops a token found twice (two accounts sharing a client id): the first one wins. */
function unique(refs: TokenRef[]): TokenRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.clientId}:${r.tokenId}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** The one-shot audit: enumerate every account, audit every token, build the report. */
export async function runAudit(config: Config, deps: RunAuditDeps): Promise<Report> {
  const startedAt = deps.clock();
  const now = deps.evaluateAt ?? startedAt;
  const runId = randomUUID();
  const log = deps.logger.child({ runId });

  const enumerations = await Promise.all(config.accounts.map((a) => enumerateAccount(a, deps)));
  for (const e of enumerations) {
    if (e.account.error !== null) {
      log.warn({ account: e.account.label }, `account not fully enumerated: ${e.account.error}`);
    }
  }
  const refs = unique(enumerations.flatMap((e) => e.refs));
  log.info({ accounts: enumerations.length, tokens: refs.length }, 'auditing tokens');

  const refusedKeys = new Map<string, string>();
  const results = await mapPool(refs, config.gcore.concurrency, async (ref): Promise<TokenResult> => {
    try {
      return await auditToken(ref, { ...deps, policy: config.policy, now, refusedKeys });
    } catch (error) {
      // A bug, not a token problem: still, one token must not stop the audit of the others.
      log.error({ err: toError(error), clientId: ref.clientId, tokenId: ref.tokenId }, 'unexpected error auditing token');
      return failedResult(ref, 'unexpected error (see the logs)');
    }
  });

  const report = buildReport({
    runId,
    startedAt,
    finishedAt: deps.clock(),
    now,
    accounts: enumerations.map((e) => e.account),
    results,
    mutes: config.mutes,
  });
  log.info({ summary: report.summary }, 'audit finished');
  return report;
}
