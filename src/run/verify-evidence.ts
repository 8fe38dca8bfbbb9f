import { createHash, createPublicKey, verify } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, SIGNATURE_FILE, type EvidenceFile } from '../core/evidence-manifest.js';

export interface EvidenceCheck {
  /** One line per thing that does not match: a file changed, missing or extra, a bad signature. Empty: all match. */
  readonly problems: string[];
  /** Whether the signature was checked (and, with no problem, held). */
  readonly signature: 'verified' | 'absent' | 'not-checked';
}

/**
 * Checks an evidence folder against its manifest: every listed file's SHA-256 and size, no file missing, no file
 * the manifest does not list; with a public key, the manifest's Ed25519 signature.
 */
export async function verifyEvidence(dir: string, publicKeyPem: string | null): Promise<EvidenceCheck> {
  const problems: string[] = [];
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    return { problems: [`${MANIFEST_FILE}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable'}`], signature: 'not-checked' };
  }
  const files = listedFiles(manifestText);
  if (files === null) {
    return { problems: [`${MANIFEST_FILE}: not a manifest (invalid JSON, or its files are not plain names with a SHA-256 and a size)`], signature: 'not-checked' };
  }
  const listed = new Set<string>();
  for (const f of files) {
    listed.add(f.name);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, f.name));
    } catch {
      problems.push(`${f.name}: missing`);
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== f.sha256 || bytes.length !== f.bytes) {
      problems.push(`${f.name}: changed (SHA-256 or size does not match the manifest)`);
    }
  }
  for (const entry of await readdir(dir)) {
    if (entry !== MANIFEST_FILE && entry !== SIGNATURE_FILE && !listed.has(entry)) {
      problems.push(`${entry}: extra (not in the manifest)`);
    }
  }
  const signatureText = await readFile(join(dir, SIGNATURE_FILE), 'utf8').catch(() => null);
  if (publicKeyPem === null) {
    return { problems, signature: signatureText === null ? 'absent' : 'not-checked' };
  }
  if (signatureText === null) {
    problems.push(`${SIGNATURE_FILE}: missing (a public key was given)`);
    return { problems, signature: 'absent' };
  }
  // Not a key Node can verify with: as bad as a wrong signature. Base64 decoding skips whitespace (Node's
  // documented behaviour), so the newline an editor adds to the .sig file needs no trimming.
  let good = false;
  try {
    good = verify(null, Buffer.from(manifestText), createPublicKey(publicKeyPem), Buffer.from(signatureText, 'base64'));
  } catch {
    // good stays false
  }
  if (!good) {
    problems.push(`${SIGNATURE_FILE}: bad signature (the manifest was changed, or signed with another key)`);
  }
  return { problems, signature: good ? 'verified' : 'not-checked' };
}

/** The manifest's files, each a plain name in the folder (never a path out of it); null when it is not a manifest. */
function listedFiles(text: string): EvidenceFile[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Invalid JSON: parsed stays undefined, which has no files, so null below.
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) {
    return null;
  }
  const out: EvidenceFile[] = [];
  for (const f of files as unknown[]) {
    const { name, sha256, bytes } = (f ?? {}) as Partial<Record<keyof EvidenceFile, unknown>>;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || typeof sha256 !== 'string' || typeof bytes !== 'number') {
      return null;
    }
    out.push({ name, sha256, bytes });
  }
  return out;
}
