import { describe, expect, it } from '@jest/globals';
import { findingId } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import { everyResult, readRunResults } from '../../src/run/run-results.js';
import { stateFindings } from '../../src/run/state-findings.js';
import { childPages } from '../support/child-pages.js';
import { finding } from '../support/findings.js';

const snapshot = { expDate: null, expired: false, deleted: false, lastUsage: '2026-05-01T00:00:00.000Z', issuerDeleted: false, inInventory: true };
const stale = (tokenId: number) => finding(tokenId, 'stale', 'medium', { clientId: 456, id: findingId(456, tokenId, 'stale') });
/** Tokens 1..n of account 456; every third stale. */
const results = (n: number): TokenResult[] =>
  Array.from({ length: n }, (_, i) => ({ clientId: 456, tokenId: i + 1, status: 'audited', findings: (i + 1) % 3 === 0 ? [stale(i + 1)] : [], snapshot }));
const failed: TokenResult = { clientId: 456, tokenId: 99, status: 'failed', findings: [finding(99, 'audit-failed', 'high')] };

describe('readRunResults', () => {
  it('reads every page (the cursor followed to "0"), the jobs failed for good first, and holds the findings itself when no one takes them', async () => {
    const job = childPages(results(10));
    const read = await readRunResults(job, { wanted: stateFindings([]), listed: [456], pageSize: 3, extra: [failed] });
    expect(job.reads()).toBe(4);
    expect(read.count).toBe(11);
    expect(read.counted).toStrictEqual(new Map([[456, 10]]));
    expect(read.kept).toStrictEqual([failed]);
    expect(read.findings).toStrictEqual([stale(3), stale(6), stale(9)]);
    expect(read.seen).toStrictEqual(new Map([[456, { present: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], gone: [] }]]));
  });

  it('hands each page\'s findings to onFindings once, never an empty page, and then holds none', async () => {
    const taken: string[][] = [];
    const read = await readRunResults(childPages(results(10)), {
      wanted: stateFindings([]),
      listed: undefined,
      pageSize: 3,
      extra: [],
      onFindings: (found) => Promise.resolve(void taken.push(found.map((f) => f.id))),
    });
    // Pages 1–3, 4–6, 7–9 and 10: the last has no finding, so no call.
    expect(taken).toStrictEqual([[stale(3).id], [stale(6).id], [stale(9).id]]);
    expect(read.findings).toStrictEqual([]);
    expect(read.count).toBe(10);
  });
});

describe('everyResult', () => {
  it('yields the jobs failed for good first, then every result once, however often it comes', async () => {
    const pages = childPages([...results(5), ...results(2)]);
    const seen: string[] = [];
    for await (const r of everyResult(pages, 2, [failed, { ...failed }])) {
      seen.push(`${r.tokenId}:${r.status}`);
    }
    expect(seen).toStrictEqual(['99:failed', '1:audited', '2:audited', '3:audited', '4:audited', '5:audited']);
    expect(pages.reads()).toBe(4);
  });
});
