import type { TokenResult } from '../src/core/report.js';
import { GcoreRateLimitedError } from '../src/core/errors.js';
import type { Secrets } from '../src/config/secrets.js';
import type { GcoreApi } from '../src/gcore/gcore-api.js';
import { auditToken, type RefusedKeys } from '../src/run/audit-token.js';
import type { Policy } from '../src/core/policy.js';
import type { QueuedJob } from '../src/store/job-catalogue.js';
import type { IssuerLookup } from '../src/store/issuer-facts-store.js';
import { storedIssuerOf } from '../src/run/stored-issuers.js';
import type { DirectorySource } from '../src/config/load-directory.js';

export interface TokenJobDeps {
  readonly api: GcoreApi;
  readonly secrets: Secrets;
  readonly policy: Policy;
  /** Pauses the whole token queue for `ms` and puts this job back; never returns. */
  readonly rateLimited: (ms: number) => Promise<never>;
  /** Longest Retry-After the queue waits out; a longer one pauses it for this long and fails the token for this run. */
  readonly maxRetryAfterMs: number;
  /** Pauses the whole token queue for `maxRetryAfterMs` because Gcore asked for `askedMs`, and says so to /healthz. */
  readonly longPause: (askedMs: number) => Promise<void>;
  /** After this many starts a still rate-limited token is reported audit-failed rather than retried again. */
  readonly maxStarts: number;
  readonly onResult?: (result: TokenResult) => void;
  /** The keys refused so far in a run, shared by the replicas: a refused account's other tokens are not asked for. */
  readonly refusedKeys?: (runKey: string) => RefusedKeys;
  /** The issuer facts its run job stored (absent: none, every issuer unknown). */
  readonly issuers?: (runKey: string) => IssuerLookup;
  /** The company directory, held by this replica (its contents never go to Redis); refreshed before each token. */
  readonly directory?: DirectorySource;
  /** Return each token's row for the evidence folder's tokens.csv (only with evidence.dir: it is kept in Redis). */
  readonly rows?: boolean;
}

/** `token`: read one token and evaluate the rules. Its problems are results, not failures. */
export function makeTokenHandler(deps: TokenJobDeps) {
  return async (job: QueuedJob<'token'>): Promise<TokenResult> => {
    // A 429 pauses the queue for every replica (instead of each job sleeping) and does not use an attempt.
    const api: GcoreApi = {
      ...deps.api,
      getToken: async (clientId, tokenId, apiKey) => {
        try {
          return await deps.api.getToken(clientId, tokenId, apiKey);
        } catch (error) {
          if (error instanceof GcoreRateLimitedError) {
            const asked = error.retryAfterMs ?? 1000;
            if (asked > deps.maxRetryAfterMs) {
              // Never wait out a day (or a year): the queue pauses for the cap, this token is audit-failed
              // for this run (the error says how long Gcore asked for) and the run completes.
              await deps.longPause(asked);
            } else if (job.attemptsStarted < deps.maxStarts) {
              return deps.rateLimited(asked);
            }
          }
          throw error;
        }
      },
    };
    await deps.directory?.refresh();
    const result = await auditToken(job.data.ref, {
      api,
      secrets: deps.secrets,
      policy: deps.policy,
      now: new Date(job.data.evaluatedAt),
      refusedKeys: deps.refusedKeys?.(job.data.runKey),
      ...(deps.issuers ? { issuerOf: storedIssuerOf(deps.issuers(job.data.runKey), api) } : {}),
      ...(deps.directory === undefined ? {} : { directory: deps.directory }),
      rows: deps.rows,
    });
    deps.onResult?.(result);
    return result;
  };
}
