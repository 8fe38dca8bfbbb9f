import type { Logger } from 'pino';
import type { Mute } from '../../core/mute.js';
import { quarantineDeletes } from '../../core/quarantine.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { createTokenDeleter } from '../../gcore/create-token-deleter.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import { checkQuarantines, type QuarantineCheckDeps } from '../../run/check-quarantines.js';
import { auditKeyOf, findAccount } from '../../run/revocation-account.js';
import type { AlertStateStore } from '../../store/alert-state-store.js';
import type { RevocationStore } from '../../store/revocation-store.js';

export interface WorkerQuarantineDeps {
  readonly api: Pick<GcoreApi, 'getToken' | 'getAccountId'>;
  readonly revocations: RevocationStore;
  readonly alertStates: Pick<AlertStateStore, 'load'>;
  readonly mutes: () => Promise<readonly Mute[]>;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly retryBaseDelayMs?: number;
}

/**
 * The worker's quarantine deadline check (run by each sweep and each report job): how many it deleted. The
 * deleter is built here only when a policy can delete (remediation on and an entry not in dry run): otherwise
 * the worker holds none, and every quarantine due ends as a dry run, told as a live run would have ended
 * (re-read with the audit key).
 */
export function workerQuarantines(config: Config, secrets: Secrets, deps: WorkerQuarantineDeps): () => Promise<number> {
  const remediation = config.remediation;
  const entries = remediation?.enabled ? (remediation.quarantine ?? []) : [];
  // Each key's account id asked of Gcore once per worker: the deadline check runs at every sweep.
  const idOf = new Map<string, Promise<number>>();
  const idOfKey = (apiKeyEnv: string) => {
    let id = idOf.get(apiKeyEnv);
    if (id === undefined) {
      id = deps.api.getAccountId(secrets.get(apiKeyEnv));
      id.catch(() => idOf.delete(apiKeyEnv)); // a failed answer is asked again next time
      idOf.set(apiKeyEnv, id);
    }
    return id;
  };
  const accountOf = (clientId: number) => findAccount(config, clientId, idOfKey);
  const auditKeyOfClient = async (clientId: number): Promise<string | null> => {
    const account = await accountOf(clientId);
    return account === null ? null : auditKeyOf(account, secrets);
  };
  let deleting: QuarantineCheckDeps['deleting'] = null;
  if (remediation !== undefined && quarantineDeletes(remediation)) {
    const limiter = createRequestLimiter({ concurrency: 1, ratePerSecond: config.gcore.ratePerSecond ?? undefined });
    const deleter = createTokenDeleter({ ...config.gcore, limiter, getToken: (c, t, k) => deps.api.getToken(c, t, k), retryBaseDelayMs: deps.retryBaseDelayMs });
    deleting = {
      revoke: { api: deps.api, deleter, protect: remediation.protect, approvalHours: remediation.approvalHours, alertStates: deps.alertStates },
      async keysOf(clientId) {
        const account = await accountOf(clientId);
        if (!account?.remediationKeyEnv) {
          return null;
        }
        return { deleteKey: secrets.get(account.remediationKeyEnv), auditKey: auditKeyOf(account, secrets) };
      },
    };
  }
  const reading = { api: deps.api, auditKeyOf: auditKeyOfClient, protect: remediation?.protect ?? [] };
  return async () => {
    const tally = await checkQuarantines({ store: deps.revocations, mutes: deps.mutes, entries, deleting, reading, clock: deps.clock, logger: deps.logger });
    return tally.get('done') ?? 0;
  };
}
