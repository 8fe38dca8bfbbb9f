import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { formatIssues, formatPath, showValue } from '../../src/config/format-issues.js';

// The lines a bad configuration is reported with, from zod's own issues (real schemas, not hand-made issues):
// each led by its path, the bad value shown only when it is short and plain.
function lines(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) {
    throw new Error('expected the input to be refused');
  }
  return formatIssues(result.error.issues);
}

describe('formatPath', () => {
  it('joins names with dots and puts indexes in brackets', () => {
    expect(formatPath(['accounts', 0, 'tokens', 12, 'id'])).toBe('accounts[0].tokens[12].id');
    expect(formatPath([3, 'x'])).toBe('[3].x');
    expect(formatPath(['a'])).toBe('a');
    expect(formatPath([])).toBe('(top level)');
  });
});

describe('showValue', () => {
  it('shows a short string or a number as JSON', () => {
    expect(showValue('ninety')).toBe('"ninety"');
    expect(showValue('x'.repeat(16))).toBe(`"${'x'.repeat(16)}"`);
    expect(showValue(42)).toBe('42');
    expect(showValue(true)).toBe('true');
    expect(showValue('')).toBe('""');
  });

  it('describes anything else by its kind, never its contents', () => {
    expect(showValue('x'.repeat(17))).toBe('a string');
    expect(showValue('\u200b\u200b')).toBe('only invisible characters');
    expect(showValue(null)).toBe('null');
    expect(showValue(['secret'])).toBe('a list');
    expect(showValue({ key: 'secret' })).toBe('a mapping');
    expect(showValue(undefined)).toBe('undefined');
    expect(showValue(() => 1)).toBe('function');
  });

  it('cuts what JSON makes long (control characters escaped) at 60 characters', () => {
    const bells = `${'\u0007'.repeat(15)}a`;
    expect(showValue(bells)).toBe(`${JSON.stringify(bells).slice(0, 60)}…`);
    const fits = '\u0007a'.repeat(8);
    expect(JSON.stringify(fits)).toHaveLength(58);
    expect(showValue(fits)).toBe(JSON.stringify(fits));
    const exactly = `${'\u0007'.repeat(9)}abcd`;
    expect(JSON.stringify(exactly)).toHaveLength(60);
    expect(showValue(exactly)).toBe(JSON.stringify(exactly));
  });
});

describe('formatIssues', () => {
  it('says "required" for a missing value and names the expected type for a wrong one', () => {
    const schema = z.object({ a: z.number(), b: z.string(), c: z.boolean(), d: z.object({}), e: z.array(z.number()), f: z.bigint() });
    expect(lines(schema, { b: 1, c: 'yes', d: [], e: {}, f: 1 })).toEqual([
      'a: required',
      'b: expected a string, got 1',
      'c: expected true or false, got "yes"',
      'd: expected a mapping, got a list',
      'e: expected a list, got a mapping',
      'f: expected bigint, got 1',
    ]);
  });

  it('shows a misspelt key by name, and a key that could be a secret only by its place', () => {
    const schema = z.strictObject({ name: z.string() });
    expect(lines(schema, { name: 'x', nmae: 'y' })).toEqual(['nmae: unknown key']);
    expect(lines(z.object({ a: schema }), { a: { name: 'x', '9f8e7d6c': 'y' } })).toEqual([
      'a: an unknown key (key 2 of 2), not shown: it is not a name the configuration uses',
    ]);
    expect(lines(schema, { name: 'x', ['x'.repeat(25)]: 1, ok: 2 })).toEqual([
      '(top level): an unknown key (key 2 of 3), not shown: it is not a name the configuration uses',
      'ok: unknown key',
    ]);
  });

  it('lists the values an enum takes', () => {
    expect(lines(z.object({ v: z.enum(['v2', 'v1']) }), { v: 'v3' })).toEqual(['v: expected one of v2, v1, got "v3"']);
  });

  it('says "more than" for an exclusive bound, "at least" for an inclusive one, items for a list', () => {
    expect(lines(z.object({ n: z.number().positive() }), { n: 0 })).toEqual(['n: expected more than 0, got 0']);
    expect(lines(z.object({ n: z.number().min(1) }), { n: 0 })).toEqual(['n: expected at least 1, got 0']);
    expect(lines(z.object({ l: z.array(z.number()).min(2) }), { l: [1] })).toEqual(['l: expected at least 2 item(s)']);
  });

  it('gives a string\'s length bound in characters, without the string, and a number\'s with it', () => {
    expect(lines(z.object({ s: z.string().max(3) }), { s: 'abcd' })).toEqual(['s: longer than 3 characters']);
    expect(lines(z.object({ n: z.number().max(10) }), { n: 11 })).toEqual(['n: expected at most 10, got 11']);
  });

  it('names the two shapes of the sentinel and of a token entry', () => {
    const union = z.union([z.literal(false), z.object({ everySeconds: z.number() })]);
    expect(lines(z.object({ sentinel: union }), { sentinel: true })).toEqual([
      'sentinel: expected false or a mapping { everySeconds, minSeverity }, got true',
    ]);
    expect(lines(z.object({ tokens: z.array(z.union([z.number(), z.object({ id: z.number() })])) }), { tokens: ['x'] })).toEqual([
      'tokens[0]: expected a token id or a mapping { id, owner }, got "x"',
    ]);
  });

  it('says a record\'s key is invalid', () => {
    expect(lines(z.record(z.string().max(1), z.number()), { a: 1, cc: 2 })).toEqual(['cc: invalid key']);
  });

  it('echoes a plain value after a custom message, unless the message names it or it is an object', () => {
    const positiveEven = z.number().refine((n) => n % 2 === 0, { message: 'expected an even number' });
    expect(lines(z.object({ n: positiveEven }), { n: 3 })).toEqual(['n: expected an even number, got 3']);
    const named = z.string().superRefine((s, ctx) => ctx.addIssue({ code: 'custom', message: `${s} is taken`, input: s }));
    expect(lines(z.object({ name: named }), { name: 'FOO' })).toEqual(['name: FOO is taken']);
    expect(lines(z.object({ n: z.null().refine(() => false, { message: 'say no' }) }), { n: null })).toEqual(['n: say no, got null']);
    expect(lines(z.object({ n: z.number().refine((n) => n !== 5, { message: 'anything but 5' }) }), { n: 5 })).toEqual(['n: anything but 5, got 5']);
    const whole = z.object({ a: z.number() }).refine((o) => o.a > 1, { message: 'a must be over 1' });
    expect(lines(z.object({ o: whole }), { o: { a: 1 } })).toEqual(['o: a must be over 1']);
  });

  it('gives the message of a format, a multiple or a map entry, with the value', () => {
    expect(lines(z.object({ e: z.email() }), { e: 'nope' })).toEqual(['e: Invalid email address, got "nope"']);
    expect(lines(z.object({ n: z.number().multipleOf(5) }), { n: 7 })).toEqual(['n: Invalid number: must be a multiple of 5, got 7']);
  });
});
