import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import { verifyEvidence } from '../../run/verify-evidence.js';
import { EXIT } from './exit-codes.js';

export interface EvidenceIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** `evidence verify DIR`: exit 0 when everything matches, 1 with one line per file that does not. */
export async function evidenceVerifyCommand(dir: string, flags: { publicKey?: string }, io: EvidenceIo): Promise<number> {
  let publicKey: string | null = null;
  if (flags.publicKey !== undefined) {
    try {
      publicKey = readFileSync(flags.publicKey, 'utf8');
      createPublicKey(publicKey);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--public-key ${flags.publicKey}: ${code?.startsWith('E') && !code.startsWith('ERR_') ? code : 'not a PEM public key'}`);
    }
  }
  const check = await verifyEvidence(dir, publicKey);
  if (check.problems.length > 0) {
    for (const p of check.problems) {
      io.stderr.write(`gcore-token-audit: ${dir}: ${p}\n`);
    }
    return EXIT.evidenceMismatch;
  }
  const signature =
    check.signature === 'verified' ? 'signature verified' : check.signature === 'absent' ? 'not signed' : 'signature present, not checked (no --public-key)';
  io.stdout.write(`${dir}: every file matches the manifest; ${signature}\n`);
  return EXIT.ok;
}
