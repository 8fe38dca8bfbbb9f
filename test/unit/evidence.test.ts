import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { csvLine } from '../../src/core/csv.js';
import { RULE_CONTROLS } from '../../src/core/rule-controls.js';
import { buildReport, type TokenResult } from '../../src/core/report.js';
import { findingId, NO_TOKEN, type Finding } from '../../src/core/finding.js';
import { DEFAULT_THRESHOLDS } from '../../src/core/policy.js';
import { RULE_IDS } from '../../src/core/rule-catalog.js';
import { evidenceFolderName, writeEvidence } from '../../src/run/write-evidence.js';
import { EVIDENCE_SIGNING_KEY, evidenceSigningKey, makeRunEvidence } from '../../src/run/run-evidence.js';
import { createLogger } from '../../src/core/logger.js';
import type { Secrets } from '../../src/config/secrets.js';
import { logSink } from '../support/log-sink.js';
import { verifyEvidence } from '../../src/run/verify-evidence.js';
import { EvidenceWriteError, SecretError, SecretNotSetError } from '../../src/core/errors.js';
import { generateKeyPairSync } from 'node:crypto';
import { parseCsv } from '../support/parse-csv.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const policy = { ...DEFAULT_THRESHOLDS, roles: {} };

function finding(tokenId: number, rule: Finding['rule']): Finding {
  return {
    ...NO_TOKEN,
    id: findingId(456, tokenId, rule),
    rule,
    severity: 'medium',
    clientId: 456,
    accountName: null,
    tokenId,
    tokenName: `token-${tokenId}`,
    message: 'm',
    remediation: 'r',
    muted: false,
    muteReason: null,
  };
}

function run(runId: string, results: TokenResult[] = []) {
  return buildReport({ runId, startedAt: NOW, finishedAt: NOW, now: NOW, accounts: [], results, mutes: [] });
}

describe('CSV cells', () => {
  it('prefixes every cell a spreadsheet would run as a formula with a quote, and quotes as RFC 4180 says', () => {
    expect(csvLine(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'plain', 'a,b', 'say "hi"', -3, null, true])).toBe(
      `'=1+1,'+1,'-1,'@SUM(A1),'\tx,"'\rx",plain,"a,b","say ""hi""",-3,,true\r\n`,
    );
    expect(parseCsv(csvLine(['=HYPERLINK("http://x","y")']))).toEqual([[`'=HYPERLINK("http://x","y")`]]);
  });
});

describe('the policy hash and the controls table', () => {
  it('canonical JSON does not depend on the order of keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ roles: {}, staleAfterDays: 90 })).toBe(canonicalJson({ staleAfterDays: 90, roles: {} }));
  });

  it('says, for every rule, the controls it supports as evidence (an empty list is an answer)', () => {
    expect(RULE_IDS.filter((rule) => RULE_CONTROLS[rule] === undefined)).toEqual([]);
  });
});

describe('writing evidence folders', () => {
  it('names the folder after the run id, never a path out of the directory', () => {
    expect(evidenceFolderName('manual-1b2c')).toBe('manual-1b2c');
    expect(evidenceFolderName('../x/y:z')).toBe('_._x_y_z');
  });

  it('keeps the newest `count` folders, and those of the last `days` days; folders without a manifest are not its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-keep-'));
    const at = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
    for (const [name, age] of [['r1', 5], ['r2', 3], ['r3', 1]] as const) {
      await writeEvidence({ report: run(name), results: [], accountNames: new Map(), mutes: [], policy, version: 't' }, { dir, clock: () => NOW });
      utimesSync(join(dir, name, 'manifest.json'), at(age), at(age));
    }
    mkdirSync(join(dir, 'someone-elses'));
    await writeEvidence({ report: run('r4'), results: [], accountNames: new Map(), mutes: [], policy, version: 't' }, { dir, clock: () => NOW, keep: { days: 4 } });
    expect(readdirSync(dir).sort()).toEqual(['r2', 'r3', 'r4', 'someone-elses']);
    await writeEvidence({ report: run('r5'), results: [], accountNames: new Map(), mutes: [], policy, version: 't' }, { dir, clock: () => NOW, keep: { count: 2 } });
    expect(readdirSync(dir).sort()).toEqual(['r4', 'r5', 'someone-elses']);
  });

  it('never overwrites a folder of the same run; a public key with no signature is a problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-once-'));
    const input = { report: run('same'), results: [], accountNames: new Map<number, string>(), mutes: [], policy, version: 't' };
    const first = await writeEvidence(input, { dir, clock: () => NOW });
    const before = readFileSync(join(first, 'manifest.json'), 'utf8');
    await expect(writeEvidence({ ...input, version: 'u' }, { dir, clock: () => NOW })).rejects.toThrow(EvidenceWriteError);
    expect(readFileSync(join(first, 'manifest.json'), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['same']);
    const publicPem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await verifyEvidence(first, publicPem)).problems).toEqual(['manifest.json.sig: missing (a public key was given)']);
    expect(await verifyEvidence(first, null)).toEqual({ problems: [], signature: 'absent' });
  });

  it("the worker's writer marks findings new, open and resolved from the committed plan, and a failure is counted, not thrown", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-worker-'));
    const failures: number[] = [];
    const write = makeRunEvidence({ dir, keep: null, signingKey: null, policy, version: 't', clock: () => NOW, logger: pino({ level: 'silent' }), onFailure: () => failures.push(1) });
    const [a, b, gone] = [finding(1, 'stale'), finding(2, 'never-used'), finding(3, 'stale')];
    const results: TokenResult[] = [
      { clientId: 456, tokenId: 1, status: 'audited', findings: [a] },
      { clientId: 456, tokenId: 2, status: 'audited', findings: [b] },
    ];
    const plan = { routes: [{ newFindings: [a], resolved: [{ finding: gone, reason: 'used again' }] }] } as never;
    await write({ report: run('run-1', results), results, accounts: [], mutes: [], plan });
    const rows = parseCsv(readFileSync(join(dir, 'run-1', 'findings.csv'), 'utf8'));
    const h = rows[0] ?? [];
    expect(rows.slice(1).map((r) => [r[h.indexOf('tokenId')], r[h.indexOf('state')]])).toEqual([
      ['1', 'new'],
      ['2', 'open'],
      ['3', 'resolved'],
    ]);
    expect(failures).toEqual([]);
    writeFileSync(join(dir, 'blocked'), '');
    const blocked = makeRunEvidence({ dir: join(dir, 'blocked'), keep: null, signingKey: null, policy, version: 't', clock: () => NOW, logger: pino({ level: 'silent' }), onFailure: () => failures.push(1) });
    await expect(blocked({ report: run('run-2'), results: [], accounts: [], mutes: [], plan })).resolves.toBeUndefined();
    expect(failures).toEqual([1]);
  });
});

describe('actions.json', () => {
  it('lists the acknowledgements from Slack in force at the run, with who and until when, and is covered by the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-acks-'));
    const ack = { findingId: 'f1', clientId: 456, tokenId: 101, rule: 'stale' as const, by: 'UALICE01', name: 'alice', at: NOW.toISOString(), until: '2026-12-06T12:00:00.000Z' };
    const folder = await writeEvidence({ report: run('acks'), results: [], accountNames: new Map(), mutes: [], policy, version: 't', acks: [ack] }, { dir, clock: () => NOW });
    expect(JSON.parse(readFileSync(join(folder, 'actions.json'), 'utf8'))).toEqual([{ kind: 'acknowledged', ...ack }]);
    expect(await verifyEvidence(folder, null)).toEqual({ problems: [], signature: 'absent' });
    const none = await writeEvidence({ report: run('no-acks'), results: [], accountNames: new Map(), mutes: [], policy, version: 't' }, { dir, clock: () => NOW });
    expect(readFileSync(join(none, 'actions.json'), 'utf8')).toBe('[]\n');
  });
});

describe("the worker's evidence writer (makeRunEvidence)", () => {
  const sinkLogger = () => {
    const sink = logSink();
    return { sink, logger: createLogger({ level: 'info', destination: sink }) };
  };

  it("names the accounts as the run's enumeration did, lists the acknowledgements it applied, and logs the folder under the run's id", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-names-'));
    const { sink, logger } = sinkLogger();
    const write = makeRunEvidence({ dir, keep: null, signingKey: null, policy, version: 't', clock: () => NOW, logger, onFailure: () => undefined });
    const results: TokenResult[] = [{ clientId: 456, tokenId: 1, status: 'audited', findings: [finding(1, 'stale')] }];
    const ack = { findingId: 'f1', clientId: 456, tokenId: 1, rule: 'stale' as const, by: 'UALICE01', name: 'alice', at: NOW.toISOString(), until: '2026-12-06T12:00:00.000Z' };
    const accounts = [{ clientId: 456, label: 'account 456', error: null, name: 'Main' }, { clientId: 456, label: 'account 456', error: null, name: null }, { clientId: null, label: 'the account of K', error: 'K is not set', name: 'Lost' }, { clientId: 789, label: 'account 789', error: null, name: null }];
    await write({ report: run('named', results), results, accounts, mutes: [], plan: { routes: [] }, acks: [ack] });
    // tokens.csv names each token's account (findings.csv takes the report's own names); a second, unnamed
    // account of the same client id (a second key) does not take the name away.
    const rows = parseCsv(readFileSync(join(dir, 'named', 'tokens.csv'), 'utf8'));
    expect(rows[1]?.[(rows[0] ?? []).indexOf('accountName')]).toBe('Main');
    expect(JSON.parse(readFileSync(join(dir, 'named', 'actions.json'), 'utf8'))).toEqual([{ kind: 'acknowledged', ...ack }]);
    expect(sink.lines.map((l) => JSON.parse(l) as { msg: string; runId: string })).toEqual([expect.objectContaining({ msg: 'evidence folder written', runId: 'named' })]);
    await write({ report: run('no-acks', results), results, accounts, mutes: [], plan: { routes: [] } });
    expect(readFileSync(join(dir, 'no-acks', 'actions.json'), 'utf8')).toBe('[]\n');
  });

  it('logs a folder it could not write, under the run id, and goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-blocked-'));
    writeFileSync(join(dir, 'blocked'), '');
    const { sink, logger } = sinkLogger();
    const write = makeRunEvidence({ dir: join(dir, 'blocked'), keep: null, signingKey: null, policy, version: 't', clock: () => NOW, logger, onFailure: () => undefined });
    await write({ report: run('run-x'), results: [], accounts: [], mutes: [], plan: { routes: [] } });
    expect(sink.lines.map((l) => JSON.parse(l) as { msg: string; runId: string; level: number })).toEqual([
      expect.objectContaining({ msg: 'evidence folder not written; the run goes on', runId: 'run-x' }),
    ]);
  });

  it('reads the signing key from EVIDENCE_SIGNING_KEY(_FILE): none set signs nothing, a key that cannot be read is an error', () => {
    expect(evidenceSigningKey({ get: (name) => `pem of ${name}`, known: () => [] })).toBe('pem of EVIDENCE_SIGNING_KEY');
    const throwing = (error: Error): Secrets => ({
      get: () => {
        throw error;
      },
      known: () => [],
    });
    expect(evidenceSigningKey(throwing(new SecretNotSetError(EVIDENCE_SIGNING_KEY)))).toBeNull();
    expect(() => evidenceSigningKey(throwing(new SecretError('EVIDENCE_SIGNING_KEY_FILE cannot be read')))).toThrow('cannot be read');
  });
});
