import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../core/canonical-json.js';
import { EvidenceWriteError, toError } from '../core/errors.js';
import { buildManifest, MANIFEST_FILE, SIGNATURE_FILE, type EvidenceFile } from '../core/evidence-manifest.js';
import type { Finding } from '../core/finding.js';
import { formatFindingsCsv, type FindingState } from '../core/finding-csv.js';
import type { Mute } from '../core/mute.js';
import type { Acknowledgement } from '../core/acknowledgement.js';
import type { Report, TokenResult } from '../core/report.js';
import { csvLine } from '../core/csv.js';
import { TOKEN_CSV_HEADER, tokenCsvLine } from '../core/token-csv.js';
import type { Policy } from '../core/policy.js';

/** `evidence.keep`: the newest `count` folders, or those of the last `days` days. */
export type EvidenceKeep = { readonly count: number } | { readonly days: number };

export interface EvidenceInput {
  readonly report: Report;
  /** Every token the run tried; read once, line by line (an async source may page them in). */
  readonly results: Iterable<TokenResult> | AsyncIterable<TokenResult>;
  readonly accountNames: ReadonlyMap<number, string>;
  readonly mutes: readonly Mute[];
  readonly policy: Policy;
  readonly version: string;
  /** What the worker knew of each finding; without it (`audit`: stateless) every finding is open. */
  readonly changes?: { readonly newIds: ReadonlySet<string>; readonly resolved: readonly Finding[] };
  /** The acknowledgements from Slack in force at the run (who, when, until when); absent: none. */
  readonly acks?: readonly Acknowledgement[];
}

export interface EvidenceOptions {
  readonly dir: string;
  readonly keep?: EvidenceKeep | null;
  /** PEM PKCS#8 Ed25519 private key (EVIDENCE_SIGNING_KEY_FILE's contents); none: no signature. */
  readonly signingKey?: string | null;
  readonly clock: () => Date;
  /**
   * How report.json is written: `audit --format json`'s pieces (jsonChunks) so the whole report is never one
   * string; the same bytes as JSON.stringify(report, null, 2) and a newline, the default.
   */
  readonly jsonPieces?: (value: unknown) => Iterable<string>;
  /** Test seam: called once the temporary folder holds every file, before it is renamed (see the kill test). */
  readonly beforeRename?: (tmp: string) => Promise<void>;
}

const TMP_PREFIX = '.tmp-';
/** A temporary folder this old is a writer that died (killed, disk full): removed by the next write. */
const STALE_TMP_MS = 60 * 60 * 1000;

/** A run id as a folder name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function evidenceFolderName(runId: string): string {
  const name = runId.replace(/[^A-Za-z0-9._-]/g, '_');
  return name.startsWith('.') ? `_${name.slice(1)}` : name;
}

/**
 * Writes the run's evidence folder DIR/<run id>: written whole under `.tmp-<id>-<random>`, every file and the
 * folder fsync'd, then renamed, so a folder under its final name is always complete. Returns its path.
 */
export async function writeEvidence(input: EvidenceInput, options: EvidenceOptions): Promise<string> {
  const name = evidenceFolderName(input.report.runId);
  const final = join(options.dir, name);
  try {
    await mkdir(options.dir, { recursive: true });
    await removeStaleTemporaries(options.dir, options.clock());
    if (await exists(final)) {
      throw new EvidenceWriteError(`evidence folder ${name} already exists: not overwritten`);
    }
    const tmp = join(options.dir, `${TMP_PREFIX}${name}-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp);
    try {
      await fillFolder(tmp, input, options.signingKey ?? null, options.jsonPieces ?? wholeJson);
      await options.beforeRename?.(tmp);
      await rename(tmp, final);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
    }
    await fsyncPath(options.dir);
    if (options.keep) {
      await prune(options.dir, options.keep, options.clock(), name);
    }
    return final;
  } catch (error) {
    if (error instanceof EvidenceWriteError) {
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new EvidenceWriteError(`evidence folder ${name} not written: ${code ?? toError(error).message}`, { cause: error });
  }
}

const wholeJson = (value: unknown) => [`${JSON.stringify(value, null, 2)}\n`];

async function fillFolder(tmp: string, input: EvidenceInput, signingKey: string | null, jsonPieces: (value: unknown) => Iterable<string>): Promise<void> {
  const { report } = input;
  const files: EvidenceFile[] = [];
  const write = async (file: string, chunks: AsyncIterable<string> | Iterable<string>) => {
    // Pieces are gathered to about 64 KB a write: one system call per token would be 100,000 of them.
    files.push(await writeHashed(join(tmp, file), file, chunks));
  };
  await write('report.json', jsonPieces(report));
  const changes = input.changes;
  const stateOf = (f: Finding): FindingState => (changes?.newIds.has(f.id) ? 'new' : 'open');
  await write('findings.csv', [
    formatFindingsCsv(report.findings, stateOf),
    // The header is already written: only the resolved findings' lines.
    formatFindingsCsv(changes?.resolved ?? [], () => 'resolved').replace(/^[^\n]*\n/, ''),
  ]);
  await write('tokens.csv', tokenLines(input));
  await write('mutes.json', [`${JSON.stringify(input.mutes.map(muteEntry), null, 2)}\n`]);
  // The acknowledgements from Slack in force at the run; revocations are not recorded here yet.
  const actions = (input.acks ?? []).map((a) => ({ kind: 'acknowledged', ...a }));
  await write('actions.json', [`${JSON.stringify(actions, null, 2)}\n`]);
  const manifest = buildManifest({
    runId: report.runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    evaluatedAt: report.evaluatedAt,
    version: input.version,
    policySha256: createHash('sha256').update(canonicalJson(input.policy)).digest('hex'),
    files,
  });
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeHashed(join(tmp, MANIFEST_FILE), MANIFEST_FILE, [manifestText]);
  if (signingKey !== null) {
    await writeHashed(join(tmp, SIGNATURE_FILE), SIGNATURE_FILE, [`${signManifest(manifestText, signingKey)}\n`]);
  }
  await fsyncPath(tmp);
}

/** The detached Ed25519 signature of the manifest's bytes, base64. The key's text never reaches an error. */
export function signManifest(manifestText: string, pem: string): string {
  let key;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new EvidenceWriteError('EVIDENCE_SIGNING_KEY_FILE: not a PEM private key (PKCS#8)');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new EvidenceWriteError(`EVIDENCE_SIGNING_KEY_FILE: expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'another kind'}`);
  }
  return sign(null, Buffer.from(manifestText), key).toString('base64');
}

async function* tokenLines(input: EvidenceInput): AsyncIterable<string> {
  yield csvLine(TOKEN_CSV_HEADER);
  for await (const r of input.results) {
    yield tokenCsvLine(r, input.accountNames.get(r.clientId) ?? null);
  }
}

const muteEntry = (m: Mute) => ({
  id: m.id,
  source: m.source,
  rule: m.rule,
  clientId: m.clientId,
  tokenId: m.tokenId,
  reason: m.reason,
  by: m.by,
  until: m.until.toISOString(),
});

/** Writes the chunks to `path`, hashing as it goes, then fsyncs: a crash after this leaves the bytes on disk. */
async function writeHashed(path: string, name: string, chunks: AsyncIterable<string> | Iterable<string>): Promise<EvidenceFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  const file = await open(path, 'wx');
  const flush = async (text: string) => {
    const buffer = Buffer.from(text, 'utf8');
    hash.update(buffer);
    bytes += buffer.length;
    await file.write(buffer);
  };
  try {
    let pending = '';
    for await (const chunk of chunks) {
      pending += chunk;
      if (pending.length >= 65_536) {
        await flush(pending);
        pending = '';
      }
    }
    await flush(pending);
    await file.sync();
  } finally {
    await file.close();
  }
  return { name, sha256: hash.digest('hex'), bytes };
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function removeStaleTemporaries(dir: string, now: Date): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(TMP_PREFIX)) {
      continue;
    }
    const path = join(dir, entry.name);
    const info = await stat(path).catch(() => null);
    // A younger one may be another replica's write in progress.
    if (info !== null && now.getTime() - info.mtimeMs > STALE_TMP_MS) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/** Removes the folders beyond `keep` (never the one just written), judged by their manifest's time. */
async function prune(dir: string, keep: EvidenceKeep, now: Date, current: string): Promise<void> {
  const folders: { name: string; at: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === current) {
      continue;
    }
    // Only folders this tool wrote: one without a manifest is not ours to remove.
    const info = await stat(join(dir, entry.name, MANIFEST_FILE)).catch(() => null);
    if (info !== null) {
      folders.push({ name: entry.name, at: info.mtimeMs });
    }
  }
  folders.sort((a, b) => b.at - a.at);
  const doomed =
    'count' in keep
      ? folders.slice(Math.max(0, keep.count - 1))
      : folders.filter((f) => now.getTime() - f.at > keep.days * 86_400_000);
  for (const f of doomed) {
    await rm(join(dir, f.name), { recursive: true, force: true });
  }
}
