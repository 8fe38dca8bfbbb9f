import type { Logger } from 'pino';
import { UsageError } from '../../core/errors.js';
import { fingerprintOf } from '../../core/revocation.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { createTokenDeleter } from '../../gcore/create-token-deleter.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { parseToken } from '../../gcore/parse-token.js';
import type { RequestLimiter } from '../../gcore/request-limiter.js';
import { carryOutRevocation } from '../../run/revoke-token.js';
import type { AlertStateStore } from '../../store/alert-state-store.js';
import type { RevocationStore } from '../../store/revocation-store.js';
import { accountKeys, accountOf } from '../../run/revocation-account.js';
import type { SlackRevocations } from './action-deps.js';

/**
 * Revoking from Slack with what `revoke request` and `revoke approve` use: the account's audit key reads the
 * token, its deleting key deletes it, through the existing carry-out. undefined unless remediation.enabled:
 * without it nothing in the worker can reach a deleter.
 */
export function makeSlackRevocations(deps: {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly api: GcoreApi;
  readonly limiter: RequestLimiter;
  readonly store: RevocationStore;
  readonly alertStates: Pick<AlertStateStore, 'load'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly retryBaseDelayMs?: number;
  readonly leaseMs?: number;
}): SlackRevocations | undefined {
  const settings = deps.config.remediation;
  if (settings?.enabled !== true) {
    return undefined;
  }
  const deleter = createTokenDeleter({
    ...deps.config.gcore,
    limiter: deps.limiter,
    getToken: (c, t, k) => deps.api.getToken(c, t, k),
    retryBaseDelayMs: deps.retryBaseDelayMs,
  });
  return {
    store: deps.store,
    async fingerprint(clientId, tokenId) {
      const account = await accountOf(deps.config, clientId, deps.api, deps.secrets);
      return fingerprintOf(parseToken(await deps.api.getToken(clientId, tokenId, deps.secrets.get(account.apiKeyEnv))));
    },
    async carryOut(id, approvedBy) {
      const record = await deps.store.get(id);
      const account = record === null ? null : await accountOf(deps.config, record.clientId, deps.api, deps.secrets);
      const deleteEnv = account?.remediationKeyEnv;
      if (account === null || !deleteEnv) {
        throw new UsageError(`revocation ${id}: its account has no deleting key (accounts[].remediationKeyEnv or remediation.apiKeyEnv)`);
      }
      return carryOutRevocation(id, approvedBy, {
        store: deps.store,
        api: deps.api,
        deleter,
        keys: () => accountKeys(account, deleteEnv, deps.secrets),
        protect: settings.protect,
        approvalHours: settings.approvalHours,
        leaseMs: deps.leaseMs,
        clock: deps.clock,
        logger: deps.logger,
        alertStates: deps.alertStates,
      });
    },
  };
}
