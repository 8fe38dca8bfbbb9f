import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { EvidenceManifest } from '../../src/core/evidence-manifest.js';
import type { Report } from '../../src/core/report.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { parseCsv } from '../support/parse-csv.js';
import { CLI, until } from '../support/worker-process.js';

const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
const NOW = '2026-11-29T12:00:00Z';
const HOSTILE = '=HYPERLINK("http://evil.example/x","click")';

const config = join(dir, 'audit.yaml');
writeFileSync(config, 'accounts: [{ clientId: 456, name: "Production CDN" }]\n');
const input = join(dir, 'export.json');
writeFileSync(
  input,
  JSON.stringify({
    clientId: 456,
    tokens: [
      gcoreToken(101), // passes every rule
      gcoreToken(102, { exp_date: null }), // never-expiring
      gcoreToken(103, { name: HOSTILE, exp_date: null }),
      gcoreToken(104, { name: '-1+2', last_usage: null, created: '2026-01-01T00:00:00.000000Z' }),
    ],
  }),
);

const keys = generateKeyPairSync('ed25519');
const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyFile = join(dir, 'signing.pem');
writeFileSync(keyFile, privatePem);
const publicFile = join(dir, 'public.pem');
writeFileSync(publicFile, keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());

async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logs = logSink();
  const code = await runCli(args, {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env,
    logDestination: logs,
  });
  return { code, stdout: out.join(''), stderr: err.join(''), logs: logs.text() };
}

const AUDIT = ['audit', '--config', config, '--input', input, '--now', NOW];

/** A fresh evidence directory holding one audit's folder; returns the folder's path. */
async function auditWithEvidence(env: Record<string, string> = { EVIDENCE_SIGNING_KEY_FILE: keyFile }) {
  const root = mkdtempSync(join(dir, 'out-'));
  const run = await cli([...AUDIT, '--format', 'json', '--evidence', root], env);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as Report;
  const folder = join(root, report.runId);
  return { root, folder, report, run };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('evidence folders of audit --evidence', () => {
  it('writes the folder of the run: every file hashed in the manifest, the manifest signed, the key never shown', async () => {
    const { root, folder, report, run } = await auditWithEvidence();
    expect(readdirSync(root)).toEqual([report.runId]);
    expect(readdirSync(folder).sort()).toEqual(['actions.json', 'findings.csv', 'manifest.json', 'manifest.json.sig', 'mutes.json', 'report.json', 'tokens.csv']);
    const manifestText = readFileSync(join(folder, 'manifest.json'), 'utf8');
    const manifest = JSON.parse(manifestText) as EvidenceManifest;
    expect(manifest).toMatchObject({ runId: report.runId, startedAt: report.startedAt, finishedAt: report.finishedAt, evaluatedAt: report.evaluatedAt, version: '0.1.0' });
    expect(manifest.policySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.files.map((f) => [f.name, f.sha256, f.bytes])).toEqual(
      ['actions.json', 'findings.csv', 'mutes.json', 'report.json', 'tokens.csv'].map((name) => [name, sha256(join(folder, name)), statSync(join(folder, name)).size]),
    );
    expect(manifest.controlsNote).toMatch(/^Evidence supporting .*not a claim of compliance/);
    expect(manifest.controls.find((c) => c.rule === 'stale')?.controls).toContain('SOC 2 CC6.2');
    const signature = Buffer.from(readFileSync(join(folder, 'manifest.json.sig'), 'utf8').trim(), 'base64');
    expect(verify(null, Buffer.from(manifestText), keys.publicKey, signature)).toBe(true);
    // report.json is `audit --format json`, byte for byte.
    expect(readFileSync(join(folder, 'report.json'), 'utf8')).toBe(run.stdout);
    expect(JSON.parse(readFileSync(join(folder, 'actions.json'), 'utf8'))).toEqual([]);

    const check = await cli(['evidence', 'verify', folder, '--public-key', publicFile]);
    expect(check).toMatchObject({ code: 0, stderr: '' });
    expect(check.stdout).toContain('every file matches the manifest; signature verified');
    const keyBody = privatePem.split('\n')[1] ?? 'missing';
    for (const text of [run.stdout, run.stderr, run.logs, check.stdout, manifestText]) {
      expect(text).not.toContain(keyBody);
    }
  });

  it('findings.csv parses back to the report\'s findings, a formula-like name inert; tokens.csv lists the passing tokens too', async () => {
    const { folder, report } = await auditWithEvidence({});
    expect(existsSync(join(folder, 'manifest.json.sig'))).toBe(false);
    const rows = parseCsv(readFileSync(join(folder, 'findings.csv'), 'utf8'));
    const header = rows[0] ?? [];
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    expect(header).toEqual(['id', 'clientId', 'accountName', 'tokenId', 'tokenName', 'role', 'owner', 'issuer', 'created', 'lastUsage', 'expDate', 'rule', 'severity', 'state', 'muted', 'muteReason', 'acknowledged', 'remediation', 'message']);
    expect(rows.slice(1).map((r) => [col(r, 'id'), col(r, 'tokenId'), col(r, 'rule'), col(r, 'severity'), col(r, 'created'), col(r, 'remediation'), col(r, 'state')])).toEqual(
      report.findings.map((f) => [f.id, String(f.tokenId ?? ''), f.rule, f.severity, f.created ?? '', f.remediation, 'open']),
    );
    const names = rows.slice(1).map((r) => col(r, 'tokenName'));
    // Spreadsheets would run these as formulas: a leading ' keeps them text.
    expect(names).toContain(`'${HOSTILE}`);
    expect(names).toContain("'-1+2");
    expect(names.filter((n) => /^[=+\-@\t\r]/.test(n ?? ''))).toEqual([]);
    expect(rows.slice(1).every((r) => col(r, 'issuer') === 'John Doe (user 123)' && col(r, 'accountName') === 'Production CDN')).toBe(true);

    const tokens = parseCsv(readFileSync(join(folder, 'tokens.csv'), 'utf8'));
    const th = tokens[0] ?? [];
    const tcol = (row: string[], name: string) => row[th.indexOf(name)];
    expect(tokens.slice(1).map((r) => [tcol(r, 'tokenId'), tcol(r, 'status'), tcol(r, 'result')]).sort()).toEqual([
      ['101', 'audited', 'pass'],
      ['102', 'audited', 'findings'],
      ['103', 'audited', 'findings'],
      ['104', 'audited', 'findings'],
    ]);
    expect(tokens.slice(1).map((r) => tcol(r, 'tokenName'))).toContain(`'${HOSTILE}`);
  });

  it('evidence verify exits 1 naming the file changed, missing or extra, and a bad signature', async () => {
    const { folder } = await auditWithEvidence();
    const verifyIt = () => cli(['evidence', 'verify', folder, '--public-key', publicFile]);

    appendFileSync(join(folder, 'findings.csv'), 'x');
    let check = await verifyIt();
    expect(check.code).toBe(1);
    expect(check.stderr).toBe(`gcore-token-audit: ${folder}: findings.csv: changed (SHA-256 or size does not match the manifest)\n`);

    rmSync(join(folder, 'tokens.csv'));
    writeFileSync(join(folder, 'notes.txt'), 'added later');
    check = await verifyIt();
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('tokens.csv: missing');
    expect(check.stderr).toContain('notes.txt: extra (not in the manifest)');

    const manifest = join(folder, 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"version": "0.1.0"', '"version": "9.9.9"'));
    check = await verifyIt();
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('manifest.json.sig: bad signature');
  });

  it('a signing key that cannot sign is a usage error before the audit, its content never echoed', async () => {
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not-a-key-secret-text');
    const root = mkdtempSync(join(dir, 'badkey-'));
    const wrongKind = await cli([...AUDIT, '--evidence', root], { EVIDENCE_SIGNING_KEY_FILE: rsa });
    expect(wrongKind).toMatchObject({ code: 2, stdout: '', stderr: 'gcore-token-audit: EVIDENCE_SIGNING_KEY_FILE: expected an Ed25519 key, got rsa\n' });
    const notAKey = await cli([...AUDIT, '--evidence', root], { EVIDENCE_SIGNING_KEY_FILE: garbage });
    expect(notAKey.code).toBe(2);
    expect(notAKey.stderr).toContain('not a PEM private key');
    expect(notAKey.stderr + notAKey.logs).not.toContain('not-a-key-secret-text');
    expect(readdirSync(root)).toEqual([]);
  });

  it('a write that fails is said and logged; the audit keeps its report and exit code', async () => {
    const notADir = join(dir, 'a-file');
    writeFileSync(notADir, '');
    const run = await cli([...AUDIT, '--format', 'json', '--fail-on', 'critical', '--evidence', notADir]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Report).summary.tokensAudited).toBe(4);
    expect(run.stderr).toMatch(/^gcore-token-audit: evidence folder [0-9a-f-]+ not written: E\w+\n$/);
    expect(run.logs).toContain('evidence folder not written');
  });

  it('--format csv --output FILE writes the findings CSV whole to the file, nothing to stdout, no temporary left', async () => {
    const out = mkdtempSync(join(dir, 'csv-'));
    const file = join(out, 'findings.csv');
    writeFileSync(file, 'the previous content');
    const run = await cli([...AUDIT, '--format', 'csv', '--output', file]);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    const printed = await cli([...AUDIT, '--format', 'csv']);
    // The same rows as stdout (the run id is not in the CSV).
    expect(readFileSync(file, 'utf8')).toBe(printed.stdout);
    expect(readdirSync(out)).toEqual(['findings.csv']);
    const missing = await cli([...AUDIT, '--format', 'csv', '--output', join(out, 'no-such-dir', 'x.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--output');
  });

  it('a process killed while writing leaves no folder under its final name; the next write clears the stale temporary', async () => {
    const root = mkdtempSync(join(dir, 'kill-'));
    // Test seam (README "Evidence"): the folder is held, whole, before its rename, so the kill lands there.
    const child = spawn(process.execPath, [CLI, ...AUDIT, '--evidence', root], {
      env: { PATH: process.env.PATH ?? '', EVIDENCE_TEST_PAUSE_MS: '60000' },
      stdio: 'ignore',
    });
    const closed = new Promise((resolve) => child.once('close', resolve));
    // Any folder holding a manifest: the files are all written, wherever the writer put them.
    await until(() => Promise.resolve(readdirSync(root).some((n) => existsSync(join(root, n, 'manifest.json')))), 20_000, 'a written folder');
    child.kill('SIGKILL');
    await closed;
    const left = readdirSync(root);
    expect(left.filter((n) => !n.startsWith('.tmp-'))).toEqual([]);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.tmp-[0-9a-f-]+-[0-9a-f]{12}$/);

    // An hour later the temporary is a dead writer's: the next write removes it.
    const stale = join(root, left[0] ?? '');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, hourAgo, hourAgo);
    mkdirSync(join(root, '.tmp-young'));
    const run = await cli([...AUDIT, '--format', 'json', '--evidence', root]);
    const runId = (JSON.parse(run.stdout) as Report).runId;
    expect(readdirSync(root).sort()).toEqual(['.tmp-young', runId]);
  });
});
