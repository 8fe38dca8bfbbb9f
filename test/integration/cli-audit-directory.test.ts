import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { Report } from '../../src/core/report.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';

const NOW = '2026-11-29T12:00:00Z';
const day = (offset: number) => new Date(Date.parse(NOW) + offset * 86_400_000).toISOString().replace('Z', '000Z');
const KEY = '456_gcore-secret-key-aaaa';
const ADMIN = { id: 1, name: 'Administrators' };
const person = (email: string, userId: number, role = ADMIN) => ({ role, deleted: false, user_id: userId, user_name: 'P', user_email: email, client_id: 456 });

let gcore: GcoreStandIn;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-directory-'));
  gcore = await startGcoreStandIn();
  gcore.keys.set(KEY, 456);
  const healthy = { created: day(-200), exp_date: day(100), last_usage: day(-1) };
  gcore.accounts.set(
    456,
    new Map<number, unknown>([
      // The SSO user the company removed: Gcore still has them, their Administrators token still works.
      [301, gcoreToken(301, { ...healthy, client_user: person('Sam.Sso@Example.com', 31) })],
      [302, gcoreToken(302, { ...healthy, client_user: person('sam.sso@example.com', 31, { id: 2, name: 'Users' }) })],
      [303, gcoreToken(303, { ...healthy, client_user: person('ann@example.com', 32) })],
    ]),
  );
});

afterEach(async () => {
  await gcore.close();
  rmSync(dir, { recursive: true, force: true });
});

async function audit(config: string) {
  const path = join(dir, 'audit.yaml');
  writeFileSync(path, config);
  const out: string[] = [];
  const logs = logSink();
  const code = await runCli(['audit', '--config', path, '--format', 'json', '--now', NOW], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: () => true },
    env: { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY },
    logDestination: logs,
    gcoreRetryBaseDelayMs: 5,
  });
  return { code, report: JSON.parse(out.join('')) as Report, logs };
}

describe('audit with the company directory', () => {
  it("finds the left person's Administrators token issuer-left critical, owned by the inventory's owner, never by the gone email", async () => {
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'email,status,left_at\nSAM.SSO@example.com,left,2026-11-20\nann@example.com,active\n');
    const { code, report, logs } = await audit(`
accounts:
  - clientId: 456
    tokens: [{ id: 301, owner: platform-team }, 302, 303]
issuers:
  directory: { file: ${csv} }
`);
    expect(code).toBe(0);
    expect(report.findings.map((f) => `${f.tokenId}:${f.rule}:${f.severity}:${f.owner}`).sort()).toEqual([
      '301:issuer-left:critical:platform-team',
      '302:issuer-left:high:null',
    ]);
    expect(report.findings[0]?.message).toBe('Its issuer left the company on 2026-11-20 (company directory), but the token still works.');
    expect(report.warnings).toEqual([]);
    // The directory's contents are not logged.
    expect(logs.text()).not.toContain('ann@example.com');
  });

  it('says an unreadable directory at start and in the warnings, and guesses nothing', async () => {
    const { code, report, logs } = await audit(`
accounts:
  - clientId: 456
issuers:
  directory: { file: ${join(dir, 'missing.csv')} }
`);
    expect(code).toBe(0);
    expect(report.findings).toEqual([]);
    const problem = `issuers.directory: ${join(dir, 'missing.csv')}: ENOENT; the issuer rules that need it are not evaluated`;
    expect(report.warnings).toEqual([`${problem} (issuer-left not evaluated for 3 token(s))`]);
    expect(logs.text()).toContain(problem);
  });
});
