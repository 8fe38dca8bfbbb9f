import { describe, expect, it } from '@jest/globals';
import { buildReport } from '../../src/core/report.js';
import { formatTable } from '../../src/report/format-table.js';
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
