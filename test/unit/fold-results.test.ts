import { describe, expect, it } from '@jest/globals';
import { foldResults } from '../../src/run/run-results.js';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { stateFindings } from '../../src/run/state-findings.js';
import { findingId } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import { finding } from '../support/findings.js';

const snapshot = { expDate: null, expired: false, deleted: false, lastUsage: '2026-05-01T00:00:00.000Z', issuerDeleted: false, inInventory: true };
const row = { name: 'token-7', role: 'Users', owner: 'platform-team', issuer: { userId: 1, name: 'John Doe', deleted: false }, created: '2026-01-01T00:00:00.000Z', lastUsage: null, expDate: null };

/** A token result as a token job returns it: parsed from JSON, so no object is shared with anything yet. */
const parsed = (r: TokenResult): TokenResult => JSON.parse(JSON.stringify(r)) as TokenResult;
const stale = (tokenId: number) => finding(tokenId, 'stale', 'medium', { clientId: 456, id: findingId(456, tokenId, 'stale') });
const forever = (tokenId: number) => finding(tokenId, 'never-expiring-admin', 'high', { clientId: 456, id: findingId(456, tokenId, 'never-expiring-admin') });
const state = (f: ReturnType<typeof finding>, route = 'default') => ({ finding: f, key: `${route}/${f.id}` });

describe('foldResults', () => {
  it('keeps whole only failures, refusals and key-user tokens, without their inventory row nor their unevaluated rules', () => {
    const fold = foldResults(stateFindings([]), undefined);
    fold.add([parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7)], snapshot, row, notEvaluated: ['issuer-dormant'], keyUser: true })]);
    fold.add([parsed({ clientId: 456, tokenId: 8, status: 'failed', findings: [], refused: 'account 456: its key was refused' })]);
    fold.add([parsed({ clientId: 456, tokenId: 9, status: 'failed', findings: [finding(9, 'audit-failed', 'high')] })]);
    const { kept, issuers, counted, findings } = fold.result();
    expect(kept).toStrictEqual([
      { clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7)], snapshot, keyUser: true },
      { clientId: 456, tokenId: 8, status: 'failed', findings: [], refused: 'account 456: its key was refused' },
      { clientId: 456, tokenId: 9, status: 'failed', findings: [finding(9, 'audit-failed', 'high')] },
    ]);
    expect(counted).toStrictEqual(new Map());
    expect(findings).toStrictEqual([]);
    expect(issuers.notEvaluated).toStrictEqual(new Map([['issuer-dormant', 1]])); // counted before it was dropped
  });

  it('counts a read token and keeps its findings, not its result', () => {
    const fold = foldResults(stateFindings([]), undefined);
    fold.add([
      parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7), forever(7)], snapshot, row }),
      parsed({ clientId: 456, tokenId: 8, status: 'audited', findings: [], snapshot }),
      parsed({ clientId: 789, tokenId: 1, status: 'gone', findings: [] }),
    ]);
    const { kept, counted, findings, read } = fold.result();
    expect(kept).toStrictEqual([]);
    expect(counted).toStrictEqual(new Map([[456, 2], [789, 1]]));
    expect(findings).toStrictEqual([stale(7), forever(7)]);
    expect(read).toStrictEqual([]);
  });

  it('hands back a page\'s findings and, told not to hold them (they are staged as they come), keeps none itself', () => {
    const fold = foldResults(stateFindings([]), undefined);
    const page = [parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7), forever(7)], snapshot })];
    expect(fold.add(page, false)).toStrictEqual([stale(7), forever(7)]);
    expect(fold.add([parsed({ clientId: 456, tokenId: 8, status: 'audited', findings: [stale(8)], snapshot })])).toStrictEqual([stale(8)]);
    expect(fold.result().findings).toStrictEqual([stale(8)]);
    expect(fold.result().counted).toStrictEqual(new Map([[456, 2]]));
  });

  it("keeps the status and snapshot of a read token only when its result resolves a finding a state names", () => {
    const wanted = stateFindings([state(stale(7)), state(forever(7)), state(stale(8)), state(stale(8), 'oncall'), state(stale(9))]);
    const fold = foldResults(wanted, undefined);
    fold.add([
      parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [forever(7)], snapshot }), // stale resolved
      parsed({ clientId: 456, tokenId: 8, status: 'audited', findings: [stale(8)], snapshot }), // as its states say
      parsed({ clientId: 456, tokenId: 9, status: 'gone', findings: [] }), // gone: resolves
      parsed({ clientId: 456, tokenId: 10, status: 'audited', findings: [], snapshot }), // no state names it
    ]);
    expect(fold.result().read).toStrictEqual([
      { clientId: 456, tokenId: 7, status: 'audited', snapshot },
      { clientId: 456, tokenId: 9, status: 'gone', snapshot: undefined },
    ]);
  });

  it('counts a token a page repeats (HSCAN may return one twice) once', () => {
    const fold = foldResults(stateFindings([]), undefined);
    const r = parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7)], snapshot });
    fold.add([r, r]);
    fold.add([r]);
    const { count, counted, findings } = fold.result();
    expect(count).toBe(1);
    expect(counted).toStrictEqual(new Map([[456, 1]]));
    expect(findings).toHaveLength(1);
  });

  it("folds the sentinel's seen changes of the accounts listed completely, page by page; none when the run listed nothing", () => {
    const fold = foldResults(stateFindings([]), [456, 901]);
    fold.add([parsed({ clientId: 456, tokenId: 1, status: 'audited', findings: [], snapshot }), parsed({ clientId: 456, tokenId: 2, status: 'gone', findings: [] })]);
    fold.add([parsed({ clientId: 456, tokenId: 3, status: 'audited', findings: [stale(3)], snapshot }), parsed({ clientId: 789, tokenId: 4, status: 'audited', findings: [], snapshot })]);
    expect(fold.result().seen).toStrictEqual(new Map([[456, { present: [1, 3], gone: [2] }], [901, { present: [], gone: [] }]]));
    const unlisted = foldResults(stateFindings([]), undefined);
    unlisted.add([parsed({ clientId: 456, tokenId: 1, status: 'audited', findings: [], snapshot })]);
    expect(unlisted.result().seen).toBeUndefined();
  });

  it("holds a finding alike the alert state's, read through the same pool, as that one object", () => {
    const shared = sharedStrings();
    const held = shared.finding(parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7)] }).findings[0] as ReturnType<typeof finding>);
    const fold = foldResults(stateFindings([]), undefined, shared);
    fold.add([parsed({ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(7), forever(7)], snapshot })]);
    const { findings } = fold.result();
    expect(findings[0]).toBe(held);
    expect(findings[1]).toStrictEqual(forever(7));
  });
});

describe('stateFindings', () => {
  it("names each token's findings once, whatever the routes, and no state about a whole account", () => {
    const gap = { ...stale(1), tokenId: null, rule: 'coverage-gap' as const, id: 'gap' };
    const states = stateFindings([state(stale(7)), state(stale(7), 'oncall'), state(forever(7)), state(stale(8)), state(gap)]);
    expect(states.names(456, 7, stale(7).id)).toBe(true);
    expect(states.names(456, 7, forever(7).id)).toBe(true);
    expect(states.names(456, 7, stale(8).id)).toBe(false);
    expect(states.names(456, 8, stale(8).id)).toBe(true);
    expect(states.names(789, 8, stale(8).id)).toBe(false);
    expect(states.names(456, 1, 'gap')).toBe(false);
    expect(states.namesOtherThan(456, 7, [stale(7), forever(7)])).toBe(false);
    expect(states.namesOtherThan(456, 7, [forever(7), stale(7), { id: 'x' }])).toBe(false);
    expect(states.namesOtherThan(456, 7, [stale(7)])).toBe(true);
    expect(states.namesOtherThan(456, 7, [forever(7)])).toBe(true);
    expect(states.namesOtherThan(456, 8, [])).toBe(true);
    expect(states.namesOtherThan(456, 9, [])).toBe(false);
  });

  it('holds a third finding of a token beside two', () => {
    const third = finding(7, 'orphaned', 'high', { clientId: 456, id: findingId(456, 7, 'orphaned') });
    const states = stateFindings([state(stale(7)), state(forever(7)), state(third), state(third, 'oncall')]);
    expect([stale(7), forever(7), third].map((f) => states.names(456, 7, f.id))).toStrictEqual([true, true, true]);
    expect(states.namesOtherThan(456, 7, [stale(7), forever(7)])).toBe(true);
  });
});
