import { describe, expect, it } from '@jest/globals';
import { buildReport } from '../../src/core/report.js';
import { formatTable } from '../../src/app/report/format-table.js';
import { formatOpenFindingsTable } from '../../src/app/report/format-open-findings.js';
import { formatRunsTable } from '../../src/app/report/format-runs.js';
import type { RunSummary } from '../../src/store/run-store.js';
import { textTable } from '../../src/app/cli/text-table.js';
import { finding } from '../support/findings.js';

describe('table of a large report', () => {
  it('lays out 200,000 findings (no spread of the rows into a call)', () => {
    const results = Array.from({ length: 50_000 }, (_, i) => ({
      clientId: 456,
      tokenId: i + 1,
      status: 'audited' as const,
      findings: (['stale', 'never-used', 'never-expiring', 'orphaned'] as const).map((rule) => finding(i + 1, rule)),
    }));
    const at = new Date('2026-11-29T12:00:00.000Z');
    const report = buildReport({ runId: 'big', startedAt: at, finishedAt: at, now: at, accounts: [{ clientId: 456, label: 'account 456', error: null }], results, mutes: [] });
    expect(report.findings.length).toBe(200_000);
    const lines = formatTable(report).split('\n');
    expect(lines.length).toBeGreaterThan(200_000);
    expect(lines[1]).toContain('token-');
  });
});

describe('tables fit a terminal', () => {
  const at = new Date('2026-11-29T12:00:00.000Z');
  const long = 'x'.repeat(300);
  // Every cell that people or Gcore write, at its longest: a name, an owner, an account name, a message.
  const wideFindings = [
    finding(101, 'never-expiring-admin', 'critical', {
      accountName: 'Production CDN of the whole company, Europe',
      tokenName: `deploy-${long}`,
      owner: `someone.with.a.long.address@${long}.example`,
      lastUsage: '2026-11-28T00:00:00.000Z',
      message: `Administrators token that never expires. ${long}`,
      muted: true,
      muteReason: 'kept',
    }),
    finding(2_000_000_000, 'not-in-inventory', 'medium', { tokenName: 'short' }),
  ];
  const report = buildReport({
    runId: 'r',
    startedAt: at,
    finishedAt: at,
    now: at,
    accounts: [{ clientId: 456, label: 'account 456', error: null }],
    results: [{ clientId: 456, tokenId: 101, status: 'audited' as const, findings: wideFindings }],
    mutes: [],
  });
  const widths = (text: string) => text.split('\n').map((l) => [...l].length);

  it('the audit table: every line at most 120 characters, the message last and cut with "…"', () => {
    const table = formatTable(report);
    const lines = table.split('\n');
    expect(Math.max(...widths(table))).toBeLessThanOrEqual(120);
    expect(lines[0]).toMatch(/^SEVERITY +RULE +ACCOUNT +TOKEN +NAME +OWNER +MESSAGE$/);
    const first = lines[1] ?? '';
    // Cut in order: the message to 40, then the widest of account, name and owner; ids and rules never (the
    // account's id comes first, so a cut keeps it).
    expect(first).toBe('critical (muted)  never-expiring-admin  456 Produ…  101         deploy-xx…  someone.w…  Administrators token that never…');
    // A column never cut is whole: the token id of ten digits.
    expect(lines[2]).toContain(' 2000000000 ');
  });

  it('-o wide: every column whole, as before (the dates too)', () => {
    const lines = formatTable(report, { wide: true }).split('\n');
    expect(lines[0]).toMatch(/^SEVERITY +RULE +ACCOUNT +TOKEN +NAME +OWNER +LAST USED +EXPIRES +MESSAGE$/);
    expect(lines[1]).toContain(' Production CDN of the w… (456) '); // as before: the name (its own bound, 24), then the id
    expect(lines[1]).toContain(`deploy-${long}`.slice(0, 31)); // the name's own bound (32), as before
    expect(lines[1]).toContain(' 2026-11-28 ');
    expect(lines[1]).toContain(`Administrators token that never expires. ${long}`.slice(0, 199));
    expect(Math.max(...widths(lines.join('\n')))).toBeGreaterThan(120);
  });

  it('a short table is not padded out or cut', () => {
    const small = buildReport({ ...{ runId: 'r', startedAt: at, finishedAt: at, now: at, mutes: [] }, accounts: [{ clientId: 456, label: 'a', error: null }], results: [{ clientId: 456, tokenId: 1, status: 'audited' as const, findings: [finding(1)] }] });
    const lines = formatTable(small).split('\n');
    expect(lines[1]).toBe('medium    stale  456      1      token-1  platform-team  Not used for 212 days (limit: 90 days).');
  });

  it('the open findings table fits 120 columns; wide keeps FIRST SEEN', () => {
    const open = wideFindings.map((f) => ({ ...f, firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-29T00:00:00.000Z', lastNotified: null, routes: ['default'] }));
    const narrow = formatOpenFindingsTable(open, { muted: 0, showingMuted: true });
    expect(Math.max(...widths(narrow))).toBeLessThanOrEqual(120);
    expect(narrow.split('\n')[1]).toMatch(/ Administrators token that never…$/);
    const wide = formatOpenFindingsTable(open, { muted: 0, showingMuted: true }, true);
    expect(wide.split('\n')[0]).toMatch(/ LAST USED +EXPIRES +FIRST SEEN +MESSAGE$/);
    expect(wide.split('\n')[1]).toContain(' 2026-11-01 ');
  });

  it('the runs table fits 120 columns with a run id whole and what Slack got cut; wide keeps every column', () => {
    const run = (runId: string, slack: string): RunSummary => ({
      runId,
      trigger: runId.startsWith('manual-') ? 'manual' : 'schedule',
      startedAt: '2026-11-30T12:12:09.000Z',
      finishedAt: '2026-11-30T12:12:19.000Z',
      summary: report.summary,
      counts: { new: 1, resolved: 22, open: 333 },
      delivery: 'failed',
      routes: [{ route: 'default', messages: 3, posted: 1, state: 'failed', error: slack }],
    });
    const runs = [run('manual-d8f84a1f-26ae-45b4-acf2-8381967381d6', `Slack rejected the message: HTTP 404 no_service ${long}`), run('repeat-audit-schedule-1796040725000', 'x')];
    const narrow = formatRunsTable(runs);
    expect(Math.max(...widths(narrow))).toBeLessThanOrEqual(120);
    const lines = narrow.split('\n');
    expect(lines[0]).toMatch(/^RUN +STARTED +TOKENS +FAILED +NEW +RESOLVED +OPEN +SLACK$/);
    expect(lines[1]).toBe('manual-d8f84a1f-26ae-45b4-acf2-8381967381d6  11-30 12:12:09  1       0       1    22        333   failed to default (1 …');
    const wide = formatRunsTable(runs, true).split('\n');
    expect(wide[0]).toMatch(/^RUN +TRIGGER +STARTED +FINISHED +TOKENS +FAILED +NEW +RESOLVED +OPEN +SLACK$/);
    expect(wide[1]).toContain(long);
  });
});

describe('textTable (mute list)', () => {
  it('aligns under the header, two spaces apart, the last column ragged, control characters flattened', () => {
    expect(textTable(['ID', 'REASON'], [['m-1', 'vault\u001b[31m key'], ['config-12', 'ok']])).toBe(
      'ID         REASON\nm-1        vault [31m key\nconfig-12  ok\n',
    );
  });
});
