import { RULE_IDS } from './rule-catalog.js';
import { CONTROLS_NOTE, ruleControls } from './rule-controls.js';

/** One file of an evidence folder as the manifest lists it. */
export interface EvidenceFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** manifest.json: what the folder holds and what produced it. Its signature (manifest.json.sig) covers these bytes. */
export interface EvidenceManifest {
  readonly format: 'gcore-token-audit-evidence/1';
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly evaluatedAt: string;
  readonly version: string;
  /** SHA-256 (hex) of the canonical JSON of the effective policy. */
  readonly policySha256: string;
  readonly files: readonly EvidenceFile[];
  readonly controlsNote: string;
  readonly controls: readonly { rule: string; controls: readonly string[] }[];
}

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.json.sig';

export function buildManifest(input: Omit<EvidenceManifest, 'format' | 'controls' | 'controlsNote'>): EvidenceManifest {
  return {
    format: 'gcore-token-audit-evidence/1',
    ...input,
    files: [...input.files].sort((a, b) => (a.name < b.name ? -1 : 1)),
    controlsNote: CONTROLS_NOTE,
    controls: ruleControls(RULE_IDS),
  };
}
