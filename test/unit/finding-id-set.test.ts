import { describe, expect, it } from '@jest/globals';
import { findingIdNumber, findingIdSet } from '../../src/core/finding-id-set.js';
import { findingId } from '../../src/core/finding.js';
import { stateFindings } from '../../src/run/state-findings.js';
import { finding } from '../support/findings.js';

describe('findingIdSet', () => {
  it('holds 5,000 finding ids, added in any order, and no other id', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => findingId(456, i, 'stale'));
    const set = findingIdSet();
    ids.forEach((id, i) => {
      set.add(id);
      if (i === 100) {
        expect(set.has(ids[50] as string)).toBe(true); // asked before every id is in: still right after more come
      }
    });
    expect(ids.every((id) => set.has(id))).toBe(true);
    expect(Array.from({ length: 5_000 }, (_, i) => findingId(789, i, 'stale')).some((id) => set.has(id))).toBe(false);
  });

  it('keeps an id of another form as it is', () => {
    const set = findingIdSet();
    set.add('config-1');
    set.add('ffffffffffffffff');
    expect([set.has('config-1'), set.has('config-2'), set.has('ffffffffffffffff'), set.has('FFFFFFFFFFFFFFFF')]).toEqual([true, false, true, false]);
    // The zero id is not in a set that never held it (the array's unused slots are zero too).
    expect(findingIdSet().has('0000000000000000')).toBe(false);
    expect([findingIdNumber('00000000000000ff'), findingIdNumber('abc'), findingIdNumber('00000000000000fg')]).toEqual([255n, null, null]);
  });
});

describe('stateFindings', () => {
  const state = (f: ReturnType<typeof finding>) => ({ finding: f });
  it('names the findings the states name, by token, a finding of two routes once, and ids of any form', () => {
    const odd = finding(9, 'stale', 'medium', { id: 'not-hex' });
    const far = finding(3, 'stale', 'medium', { clientId: 2 ** 33, id: findingId(2 ** 33, 3, 'stale') });
    const wanted = stateFindings([state(finding(7)), state(finding(7)), state(finding(7, 'never-used')), state(finding(8)), state(odd), state(far)]);
    expect(wanted.names(456, 7, finding(7).id)).toBe(true);
    expect(wanted.names(456, 7, finding(7, 'never-used').id)).toBe(true);
    expect(wanted.names(456, 7, finding(8).id)).toBe(false);
    expect(wanted.names(456, 8, finding(8).id)).toBe(true);
    expect(wanted.names(456, 9, 'not-hex')).toBe(true);
    expect(wanted.names(2 ** 33, 3, far.id)).toBe(true);
    expect(wanted.names(456, 3, far.id)).toBe(false);
    // Token 7 has two findings named: a result with one of them still resolves the other.
    expect(wanted.namesOtherThan(456, 7, [finding(7)])).toBe(true);
    expect(wanted.namesOtherThan(456, 7, [finding(7), finding(7, 'never-used')])).toBe(false);
    expect(wanted.namesOtherThan(456, 9, [])).toBe(true);
    expect(wanted.namesOtherThan(456, 10, [])).toBe(false);
  });

  it('holds Gcore\'s ids as 64-bit pairs, ids that do not fit 32 bits (or are not hex) apart, and no state about a whole account', () => {
    const at = (clientId: number, tokenId: number) => finding(tokenId, 'stale', 'medium', { clientId, id: findingId(clientId, tokenId, 'stale') });
    const fitting = [at(0, 0), at(456, 0), at(2 ** 32 - 1, 2 ** 32 - 1), at(456, 7), at(456, 7)];
    const notFitting = [at(2 ** 32, 1), at(456, 2 ** 32), at(-1, 1), at(456, -1), at(456, 1.5), finding(9, 'stale', 'medium', { id: 'not-hex' })];
    const gap = { ...finding(1), tokenId: null };
    const wanted = stateFindings([...fitting, ...notFitting, gap].map(state));
    expect(wanted.held).toEqual({ pairs: 5, apart: 6 });
    expect([...fitting, ...notFitting].every((f) => wanted.names(f.clientId as number, f.tokenId as number, f.id))).toBe(true);
    expect(stateFindings([state(gap)]).held).toEqual({ pairs: 0, apart: 0 });
  });

  it('finds every finding of 2,000 tokens whatever the order the states come in, and no other', () => {
    // Three findings a token, in an order the ids do not follow (a fixed pseudo-random walk): sorted by token once.
    const rules = ['stale', 'never-used', 'never-expiring'] as const;
    const found = Array.from({ length: 6_000 }, (_, i) => finding((i * 7_919) % 2_000, rules[i % 3], 'medium', { clientId: 456 + ((i * 31) % 3) }));
    const wanted = stateFindings(found.map(state));
    expect(wanted.held).toEqual({ pairs: 6_000, apart: 0 });
    expect(found.every((f) => wanted.names(f.clientId as number, f.tokenId as number, f.id))).toBe(true);
    expect(found.some((f) => wanted.names(f.clientId as number, (f.tokenId as number) + 2_000, f.id))).toBe(false);
    expect(found.every((f) => !wanted.namesOtherThan(f.clientId as number, f.tokenId as number, found.filter((g) => g.tokenId === f.tokenId && g.clientId === f.clientId)))).toBe(true);
  });

  it('finds every token whatever the order the states come in', () => {
    const tokens = Array.from({ length: 40 }, (_, i) => (i * 17) % 40); // 0, 17, 34, 11, ...: no order
    const wanted = stateFindings(tokens.map((t) => state(finding(t))));
    expect(tokens.every((t) => wanted.names(456, t, finding(t).id))).toBe(true);
    expect(tokens.some((t) => wanted.names(456, t + 40, finding(t).id))).toBe(false);
  });
});
