import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { EvidenceWriteError } from '../../src/core/errors.js';
import type { EvidenceManifest } from '../../src/core/evidence-manifest.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/policy.js';
import { buildReport, type TokenResult } from '../../src/core/report.js';
import type { Mute } from '../../src/core/mute.js';
import { findingId, NO_TOKEN, type Finding } from '../../src/core/finding.js';
import { signManifest, writeEvidence, type EvidenceInput } from '../../src/run/write-evidence.js';
import { verifyEvidence } from '../../src/run/verify-evidence.js';
import { csvLine } from '../../src/core/csv.js';
import { TOKEN_CSV_HEADER, tokenCsvLine } from '../../src/core/token-csv.js';
import { parseCsv } from '../support/parse-csv.js';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const policy = { ...DEFAULT_THRESHOLDS, roles: {} };
const HOUR = 3_600_000;

function input(runId: string, more: Partial<EvidenceInput> = {}): EvidenceInput {
  const results: TokenResult[] = more.results === undefined ? [] : [...(more.results as TokenResult[])];
  const report = buildReport({ runId, startedAt: NOW, finishedAt: new Date(NOW.getTime() + 5000), now: NOW, accounts: [], results, mutes: [] });
  return { report, results, accountNames: new Map(), mutes: [], policy, version: '9.9.9', ...more };
}
const manifestOf = (folder: string) => JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as EvidenceManifest;

describe('writeEvidence', () => {
  it('creates the directory with its parents; report.json is the report as JSON, two spaces, a newline', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'write-evidence-')), 'a', 'b');
    const i = input('run-1');
    const folder = await writeEvidence(i, { dir, clock: () => NOW });
    expect(folder).toBe(join(dir, 'run-1'));
    expect(readFileSync(join(folder, 'report.json'), 'utf8')).toBe(`${JSON.stringify(i.report, null, 2)}\n`);
    expect(readdirSync(folder).sort()).toEqual(['actions.json', 'findings.csv', 'manifest.json', 'mutes.json', 'report.json', 'tokens.csv']);
    expect(readFileSync(join(folder, 'mutes.json'), 'utf8')).toBe('[]\n');
    expect(readFileSync(join(folder, 'actions.json'), 'utf8')).toBe('[]\n');
    // A second write of the same run is refused by name, before anything is written.
    const again = await writeEvidence(i, { dir, clock: () => NOW }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(EvidenceWriteError);
    expect((again as Error).message).toBe('evidence folder run-1 already exists: not overwritten');
    expect(readdirSync(dir)).toEqual(['run-1']);
  });

  it('findings.csv: one header, every finding open without what the worker knew, new ones marked, then the resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    const f = (tokenId: number): Finding => ({
      ...NO_TOKEN, id: findingId(456, tokenId, 'stale'), rule: 'stale', severity: 'medium', clientId: 456, accountName: null, tokenId,
      tokenName: `token-${tokenId}`, message: 'm', remediation: 'r', muted: false, muteReason: null,
    });
    const results: TokenResult[] = [1, 2].map((id) => ({ clientId: 456, tokenId: id, status: 'audited', findings: [f(id)] }));
    const stateless = await writeEvidence(input('csv-1', { results }), { dir, clock: () => NOW });
    const rows = (folder: string) => parseCsv(readFileSync(join(folder, 'findings.csv'), 'utf8'));
    const cells = (folder: string) => {
      const [h = [], ...rest] = rows(folder);
      return rest.map((r) => [r[h.indexOf('tokenId')], r[h.indexOf('state')]]);
    };
    expect(cells(stateless)).toEqual([['1', 'open'], ['2', 'open']]);
    const worker = await writeEvidence(input('csv-2', { results, changes: { newIds: new Set([f(2).id]), resolved: [f(3)] } }), { dir, clock: () => NOW });
    expect(cells(worker)).toEqual([['1', 'open'], ['2', 'new'], ['3', 'resolved']]);
    expect(rows(worker)).toHaveLength(4);
    expect(rows(worker)[0]).toEqual(rows(stateless)[0]);
  });

  it('keep days: a folder exactly that old is kept, an older one removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    for (const [name, ms] of [['d4', 4 * 86_400_000], ['d4-and-a-second', 4 * 86_400_000 + 1000]] as const) {
      await writeEvidence(input(name), { dir, clock: () => NOW });
      const at = new Date(NOW.getTime() - ms);
      utimesSync(join(dir, name, 'manifest.json'), at, at);
    }
    await writeEvidence(input('now'), { dir, clock: () => NOW, keep: { days: 4 } });
    expect(readdirSync(dir).sort()).toEqual(['d4', 'now']);
  });

  it("the manifest: the run's times, the version, the policy's hash, each file's SHA-256 and size, sorted by name", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    const i = input('run-m');
    const folder = await writeEvidence(i, { dir, clock: () => NOW });
    const m = manifestOf(folder);
    expect(m).toMatchObject({
      runId: 'run-m',
      startedAt: NOW.toISOString(),
      finishedAt: '2026-11-29T12:00:05.000Z',
      evaluatedAt: NOW.toISOString(),
      version: '9.9.9',
      policySha256: createHash('sha256').update(canonicalJson(policy)).digest('hex'),
    });
    expect(m.files.map((f) => f.name)).toEqual(['actions.json', 'findings.csv', 'mutes.json', 'report.json', 'tokens.csv']);
    for (const f of m.files) {
      const bytes = readFileSync(join(folder, f.name));
      expect(f).toEqual({ name: f.name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    }
    expect(readFileSync(join(folder, 'manifest.json'), 'utf8')).toBe(`${JSON.stringify(m, null, 2)}\n`);
  });

  it('writes what is larger than a write whole (64 KB pieces): every token line, once, hashed as written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    const results: TokenResult[] = Array.from({ length: 3000 }, (_, k) => ({ clientId: 456, tokenId: k + 1, status: 'audited', findings: [] }));
    // Paged in as the worker does: an async source read once.
    async function* paged() {
      for (let k = 0; k < results.length; k += 1000) {
        yield* await Promise.resolve(results.slice(k, k + 1000));
      }
    }
    const folder = await writeEvidence({ ...input('big', { results }), results: paged() }, { dir, clock: () => NOW, jsonPieces: (v) => JSON.stringify(v).match(/.{1,1000}/gs) ?? [] });
    const lines = readFileSync(join(folder, 'tokens.csv'), 'utf8').split('\r\n').filter((l) => l !== '');
    expect(lines).toHaveLength(3001);
    expect(lines.slice(1).map((l) => Number(l.split(',')[2]))).toEqual(results.map((r) => r.tokenId));
    expect(readFileSync(join(folder, 'tokens.csv'), 'utf8')).toBe([csvLine(TOKEN_CSV_HEADER), ...results.map((r) => tokenCsvLine(r, null))].join(''));
    expect(readFileSync(join(folder, 'tokens.csv')).length).toBeGreaterThan(65_536);
    // jsonPieces' pieces, gathered: the same bytes as the whole string.
    expect(readFileSync(join(folder, 'report.json'), 'utf8')).toBe(JSON.stringify(input('big', { results }).report));
    expect(await verifyEvidence(folder, null)).toEqual({ problems: [], signature: 'absent' });
  });

  it('mutes.json lists each mute in force with its fields, until as ISO time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    const mute = { id: 'm1', source: 'config', rule: 'stale', clientId: 456, tokenId: 7, reason: 'known', by: 'ops', until: new Date('2027-01-01T00:00:00Z'), extra: 'not kept' } as unknown as Mute;
    const folder = await writeEvidence(input('muted', { mutes: [mute] }), { dir, clock: () => NOW });
    expect(readFileSync(join(folder, 'mutes.json'), 'utf8')).toBe(
      `${JSON.stringify([{ id: 'm1', source: 'config', rule: 'stale', clientId: 456, tokenId: 7, reason: 'known', by: 'ops', until: '2027-01-01T00:00:00.000Z' }], null, 2)}\n`,
    );
  });

  it('signs the manifest with an Ed25519 key: manifest.json.sig verifies against its public key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const folder = await writeEvidence(input('signed'), { dir, clock: () => NOW, signingKey: pem });
    const sig = readFileSync(join(folder, 'manifest.json.sig'), 'utf8');
    expect(sig.endsWith('\n')).toBe(true);
    expect(verify(null, readFileSync(join(folder, 'manifest.json')), publicKey, Buffer.from(sig.trim(), 'base64'))).toBe(true);
    expect(manifestOf(folder).files.map((f) => f.name)).not.toContain('manifest.json.sig');
  });

  it('a key that is not PEM, or not Ed25519, is refused by name, its text never in the error', () => {
    expect(() => signManifest('{}', 'not-a-key-secret-text')).toThrow(new EvidenceWriteError('EVIDENCE_SIGNING_KEY_FILE: not a PEM private key (PKCS#8)'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signManifest('{}', rsa)).toThrow(new EvidenceWriteError('EVIDENCE_SIGNING_KEY_FILE: expected an Ed25519 key, got rsa'));
  });

  it('writes under .tmp-<name>-<12 hex> and renames; a failure before the rename leaves nothing, said with its cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    let seen = '';
    const cause = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    const failing = writeEvidence(input('r/x'), {
      dir,
      clock: () => NOW,
      beforeRename: (tmp) => {
        seen = tmp;
        return Promise.reject(cause);
      },
    });
    const error = await failing.catch((e: unknown) => e);
    expect(seen).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.tmp-r_x-[0-9a-f]{12}$`));
    expect(error).toBeInstanceOf(EvidenceWriteError);
    expect((error as Error).message).toBe('evidence folder r_x not written: ENOSPC');
    expect((error as Error).cause).toBe(cause);
    expect(readdirSync(dir)).toEqual([]);
    const plain = await writeEvidence(input('r2'), { dir, clock: () => NOW, beforeRename: () => Promise.reject(new Error('no code here')) }).catch((e: unknown) => e);
    expect((plain as Error).message).toBe('evidence folder r2 not written: no code here');
  });

  it('clears temporaries older than an hour (writers that died), never a younger one, a file or a folder of another name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    const at = (ms: number) => new Date(NOW.getTime() - ms);
    for (const [name, age] of [['.tmp-dead', HOUR + 60_000], ['.tmp-young', HOUR - 60_000], ['.tmp-hour', HOUR], ['old-folder', 10 * HOUR]] as const) {
      mkdirSync(join(dir, name));
      utimesSync(join(dir, name), at(age), at(age));
    }
    writeFileSync(join(dir, '.tmp-file'), '');
    utimesSync(join(dir, '.tmp-file'), at(10 * HOUR), at(10 * HOUR));
    await writeEvidence(input('r3'), { dir, clock: () => NOW });
    expect(readdirSync(dir).sort()).toEqual(['.tmp-file', '.tmp-hour', '.tmp-young', 'old-folder', 'r3']);
  });

  it('keep count 1 keeps only the folder just written, whatever the times say', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-evidence-'));
    await writeEvidence(input('a1'), { dir, clock: () => NOW });
    const later = new Date(NOW.getTime() + 10 * HOUR);
    utimesSync(join(dir, 'a1', 'manifest.json'), later, later); // newer than the one to come
    // A temporary folder holding a manifest (a write in progress, its rename to come) is not a folder to prune.
    mkdirSync(join(dir, '.tmp-a3-0123456789ab'));
    writeFileSync(join(dir, '.tmp-a3-0123456789ab', 'manifest.json'), '{}');
    await writeEvidence(input('a2'), { dir, clock: () => NOW, keep: { count: 1 } });
    expect(readdirSync(dir).sort()).toEqual(['.tmp-a3-0123456789ab', 'a2']);
  });
});
