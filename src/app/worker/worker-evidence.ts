import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { evidenceSigningKey, makeRunEvidence, type RunEvidenceOptions } from '../../run/run-evidence.js';
import { signManifest } from '../../run/write-evidence.js';
import { packageVersion } from '../cli/package-version.js';
import { jsonChunks } from '../report/json-chunks.js';

/** The report job's evidence writer when evidence.dir is set; the signing key is read once, at start. */
export function workerEvidence(config: Config, secrets: Secrets, io: Pick<RunEvidenceOptions, 'clock' | 'logger' | 'onFailure'>) {
  if (!config.evidence) {
    return undefined;
  }
  const signingKey = evidenceSigningKey(secrets);
  if (signingKey !== null) {
    signManifest('', signingKey); // a key that cannot sign stops the start, not every run's evidence
  }
  return makeRunEvidence({
    dir: config.evidence.dir,
    keep: config.evidence.keep,
    signingKey,
    policy: config.policy,
    version: packageVersion(),
    jsonPieces: jsonChunks,
    ...io,
  });
}
