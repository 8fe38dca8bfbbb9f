import { describe, expect, it } from '@jest/globals';
import type { OpenFinding } from '../../src/alerts/open-findings.js';
import { formatOpenFindingsCsv } from '../../src/app/report/format-open-findings.js';
import { finding } from '../support/findings.js';
import { parseCsv } from '../support/parse-csv.js';

const open = (tokenId: number, more: Partial<OpenFinding> = {}): OpenFinding => ({
  ...finding(tokenId, 'never-expiring-admin', 'critical'),
  firstSeen: '2026-11-20T07:00:00.000Z',
  lastSeen: '2026-11-29T07:00:00.000Z',
  lastNotified: '2026-11-20T07:00:00.000Z',
  routes: ['default', 'payments'],
  ...more,
});

describe('formatOpenFindingsCsv', () => {
  it('ends with who acknowledged a finding in Slack and until when, empty for the others', () => {
    const acked = open(101, { acknowledged: { by: 'U012ABCDEF', name: 'alice', at: '2026-11-29T08:00:00.000Z', until: '2026-12-06T08:00:00.000Z' } });
    const rows = parseCsv(formatOpenFindingsCsv([acked, open(102)]));
    const header = rows[0] ?? [];
    // Appended: the columns before keep their places for a sheet that reads them by position.
    expect(header.slice(-4)).toEqual(['created', 'remediation', 'acknowledgedBy', 'acknowledgedUntil']);
    expect(header.indexOf('routes')).toBe(14);
    const cell = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
    expect([cell(rows[1], 'acknowledgedBy'), cell(rows[1], 'acknowledgedUntil')]).toEqual(['alice (U012ABCDEF)', '2026-12-06T08:00:00.000Z']);
    expect([cell(rows[2], 'acknowledgedBy'), cell(rows[2], 'acknowledgedUntil')]).toEqual(['', '']);
    expect(cell(rows[1], 'routes')).toBe('default payments');
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });
});
