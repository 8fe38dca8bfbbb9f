import type { Logger } from 'pino';
import type { Config } from '../src/config/config.js';
import type { Secrets } from '../src/config/secrets.js';
import type { GcoreApi } from '../src/gcore/gcore-api.js';
import { enumerateAccounts } from '../src/pipeline/enumerate-accounts.js';
import type { AuditQueues } from '../src/queue/audit-queues.js';
import { runKeyOf, type QueuedJob } from '../src/queue/job-catalogue.js';

export interface RunJobDeps {
  readonly config: Config;
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly queues: Pick<AuditQueues, 'reportExists' | 'addRunFlow'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly onStarted?: () => void;
}

/** `run`: enumerate every account, then fan out one token job per token under one report job. */
export function makeRunHandler(deps: RunJobDeps) {
  return async (job: QueuedJob<'run'>) => {
    const runKey = runKeyOf(job.id ?? 'unknown');
    const log = deps.logger.child({ job: 'run', runKey });
    // The flow is added atomically, so a retried run either finds the whole run there or nothing.
    if (await deps.queues.reportExists(runKey)) {
      log.info('run already fanned out');
      return { runKey, tokens: null };
    }
    const startedAt = deps.clock();
    const { accounts, refs } = await enumerateAccounts(deps.config, deps);
    for (const a of accounts.filter((x) => x.error !== null)) {
      log.warn({ account: a.label }, `account not fully enumerated: ${a.error}`);
    }
    await deps.queues.addRunFlow({ runKey, startedAt, evaluatedAt: startedAt, accounts, refs });
    deps.onStarted?.();
    log.info({ trigger: job.data.trigger, accounts: accounts.length, tokens: refs.length }, 'run fanned out');
    return { runKey, tokens: refs.length };
  };
}
