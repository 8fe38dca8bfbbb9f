import type { Acknowledgement } from '../core/acknowledgement.js';
import type { Logger } from 'pino';
import type { AlertPlan } from '../alerts/plan-alerts.js';
import { SecretNotSetError, toError } from '../core/errors.js';
import type { Secrets } from '../config/secrets.js';
import type { Finding } from '../core/finding.js';
import type { Mute } from '../core/mute.js';
import type { AccountResult, Report, TokenResult } from '../core/report.js';
import type { Policy } from '../core/policy.js';
import { writeEvidence, type EvidenceKeep } from './write-evidence.js';

/** What the report job has of a committed run: enough for its evidence folder. */
export interface CommittedRun {
  readonly report: Report;
  readonly results: Iterable<TokenResult> | AsyncIterable<TokenResult>;
  readonly accounts: readonly AccountResult[];
  readonly mutes: readonly Mute[];
  /** The plan that was committed: which findings were new, which resolved. */
  readonly plan: Pick<AlertPlan, 'routes'>;
  /** The acknowledgements from Slack the run applied (actions.json). */
  readonly acks?: readonly Acknowledgement[];
}

export interface RunEvidenceOptions {
  readonly dir: string;
  readonly keep: EvidenceKeep | null;
  readonly signingKey: string | null;
  readonly policy: Policy;
  readonly version: string;
  readonly clock: () => Date;
  readonly jsonPieces?: (value: unknown) => Iterable<string>;
  readonly logger: Logger;
  /** Counts a folder not written (token_audit_evidence_failures_total). */
  readonly onFailure: () => void;
}

/**
 * The worker's evidence writer: called once a run is committed. Never throws: a folder not written is logged and
 * counted, and the run (its alerts, its delivery) goes on as if no evidence had been asked for.
 */
export function makeRunEvidence(options: RunEvidenceOptions): (run: CommittedRun) => Promise<void> {
  return async (run) => {
    const newIds = new Set(run.plan.routes.flatMap((r) => r.newFindings.map((f) => f.id)));
    const resolved = new Map<string, Finding>();
    for (const r of run.plan.routes) {
      for (const x of r.resolved) {
        resolved.set(x.finding.id, x.finding);
      }
    }
    const accountNames = new Map(run.accounts.flatMap((a) => (a.clientId !== null && a.name ? [[a.clientId, a.name] as const] : [])));
    try {
      await writeEvidence(
        {
          report: run.report,
          results: run.results,
          accountNames,
          mutes: run.mutes,
          policy: options.policy,
          version: options.version,
          changes: { newIds, resolved: [...resolved.values()] },
          acks: run.acks,
        },
        { dir: options.dir, keep: options.keep, signingKey: options.signingKey, clock: options.clock, jsonPieces: options.jsonPieces },
      );
      options.logger.info({ runId: run.report.runId }, 'evidence folder written');
    } catch (error) {
      options.onFailure();
      options.logger.error({ err: toError(error), runId: run.report.runId }, 'evidence folder not written; the run goes on');
    }
  };
}

/** The secret variable (or its _FILE form) holding the PEM of the key that signs evidence manifests. */
export const EVIDENCE_SIGNING_KEY = 'EVIDENCE_SIGNING_KEY';

/** EVIDENCE_SIGNING_KEY(_FILE)'s PEM; null when neither is set (the manifest is then not signed). */
export function evidenceSigningKey(secrets: Secrets): string | null {
  try {
    return secrets.get(EVIDENCE_SIGNING_KEY);
  } catch (error) {
    if (error instanceof SecretNotSetError) {
      return null;
    }
    throw error;
  }
}
