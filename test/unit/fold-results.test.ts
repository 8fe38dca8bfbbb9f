import { describe, expect, it } from '@jest/globals';
import { foldResults } from '../../src/run/run-results.js';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { tokenIdSet } from '../../src/core/token-id-set.js';
import type { TokenResult } from '../../src/core/report.js';
import { finding } from '../support/findings.js';

const snapshot = { expDate: null, expired: false, deleted: false, lastUsage: '2026-05-01T00:00:00.000Z', issuerDeleted: false, inInventory: true };
const row = { name: 'token-7', role: 'Users', owner: 'platform-team', issuer: { userId: 1, name: 'John Doe', deleted: false }, created: '2026-01-01T00:00:00.000Z', lastUsage: null, expDate: null };

/** A token result as a token job returns it: parsed from JSON, so no object is shared with anything yet. */
const parsed = (r: TokenResult): TokenResult => JSON.parse(JSON.stringify(r)) as TokenResult;

describe('foldResults', () => {
  it('keeps of a result with findings what the report and the plan read, not its inventory row nor its unevaluated rules', () => {
    const fold = foldResults(tokenIdSet(), undefined);
    fold.add([parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [finding(7)], snapshot, row, notEvaluated: ['issuer-dormant'], keyUser: true })]);
    fold.add([parsed({ clientId: 456, tokenId: 8, status: 'failed', findings: [], refused: 'account 456: its key was refused' })]);
    const { kept, issuers } = fold.result();
    expect(kept).toStrictEqual([
      { clientId: 456, tokenId: 7, status: 'audited', findings: [finding(7)], snapshot, keyUser: true },
      { clientId: 456, tokenId: 8, status: 'failed', findings: [], refused: 'account 456: its key was refused' },
    ]);
    expect(issuers.notEvaluated).toStrictEqual(new Map([['issuer-dormant', 1]])); // counted before it was dropped
  });

  it("holds a finding alike the alert state's, read through the same pool, as that one object", () => {
    const shared = sharedStrings();
    const state = shared.finding(parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [finding(7)] }).findings[0] as ReturnType<typeof finding>);
    const fold = foldResults(tokenIdSet(), undefined, shared);
    fold.add([parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [finding(7), finding(7, 'never-expiring-admin', 'high')], snapshot })]);
    const [kept] = fold.result().kept;
    expect(kept?.findings[0]).toBe(state);
    expect(kept?.findings[1]).toStrictEqual(finding(7, 'never-expiring-admin', 'high'));
  });
});
