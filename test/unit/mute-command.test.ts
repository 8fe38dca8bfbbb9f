import { describe, expect, it } from '@jest/globals';
import { muteFromFlags } from '../../src/app/cli/mute-command.js';
import { UsageError } from '../../src/core/errors.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const flags = { rule: 'stale' as const, until: '2026-12-31', reason: 'kept in the vault', by: 'alice' };
// Zero-width space, word joiner, a tag character, the Hangul filler, BOM, a bidi override: nothing to read.
const INVISIBLE = '\u200b\u2060\u{e0041}\u3164\ufeff\u202e';

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('mute add: who and why in visible text', () => {
  it('refuses --reason or --by made of invisible characters only, saying so', () => {
    expect(usageError(() => muteFromFlags({ ...flags, reason: ` ${INVISIBLE} ` }, 90, NOW, {}))).toBe(
      '--reason: say why, in visible characters (only invisible ones were given)',
    );
    expect(usageError(() => muteFromFlags({ ...flags, by: INVISIBLE }, 90, NOW, {}))).toBe('--by: say who, in visible characters (only invisible ones were given)');
    // $USER made of invisible characters is no author either.
    expect(usageError(() => muteFromFlags({ ...flags, by: undefined }, 90, NOW, { USER: INVISIBLE }))).toBe('--by: say who mutes it (not given, and $USER is not set)');
  });

  it('keeps the visible text, cleaned: invisible characters become one space, ends trimmed', () => {
    const mute = muteFromFlags({ ...flags, reason: `kept${INVISIBLE}in the\u200bvault `, by: `\u200balice\u2060` }, 90, NOW, {});
    expect(mute.reason).toBe('kept in the vault');
    expect(mute.by).toBe('alice');
  });
});

describe('mute add: an old rule name', () => {
  it('stores orphaned as issuer-deleted, the rule it became', () => {
    expect(muteFromFlags({ ...flags, rule: 'orphaned' }, 90, NOW, {}).rule).toBe('issuer-deleted');
    expect(muteFromFlags(flags, 90, NOW, {}).rule).toBe('stale');
  });
});
