import { describe, expect, it } from '@jest/globals';
import { parseListing, parseToken } from '../../src/gcore/parse-token.js';
import { TokenValidationError } from '../../src/core/errors.js';
import { gcoreToken } from '../support/gcore-stand-in.js';

function fieldOf(raw: unknown): string {
  try {
    parseToken(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenValidationError);
    return (error as TokenValidationError).field;
  }
  throw new Error('expected a validation error');
}

describe('parseToken', () => {
  it('maps the documented response', () => {
    const t = parseToken(gcoreToken(42, { exp_date: null }));
    expect(t).toMatchObject({ id: 42, name: 'token-42', expDate: null, role: { id: 2, name: 'Users' } });
    expect(t.issuer).toEqual({ deleted: false, userId: 123, name: 'John Doe', email: 'john@example.com', clientId: 456 });
    expect(t.created.toISOString()).toBe('2026-09-01T00:00:00.000Z');
  });

  it.each([null, undefined, ''])('treats last_usage %p as never used', (value) => {
    const raw = gcoreToken(1, { last_usage: value });
    if (value === undefined) {
      delete raw.last_usage;
    }
    expect(parseToken(raw).lastUsage).toBeNull();
  });

  it('accepts both date formats', () => {
    const t = parseToken(gcoreToken(1, { created: '2021-01-01 12:00:00+00:00', exp_date: '2022-01-01T12:00:00.000000Z' }));
    expect(t.created.toISOString()).toBe('2021-01-01T12:00:00.000Z');
    expect(t.expDate?.toISOString()).toBe('2022-01-01T12:00:00.000Z');
  });

  it('allows description to be absent', () => {
    const raw = gcoreToken(1);
    delete raw.description;
    expect(parseToken(raw).description).toBeNull();
  });

  it.each([
    ['id', { id: '42' }],
    ['id', { id: -1 }],
    ['name', { name: null }],
    ['exp_date', { exp_date: 'tomorrow' }],
    ['expired', { expired: 'no' }],
    ['deleted', { deleted: undefined }],
    ['created', { created: 1609502400 }],
    ['last_usage', { last_usage: '2021-13-01T00:00:00Z' }],
    ['client_user', { client_user: null }],
    ['client_user.role.id', { client_user: { ...(gcoreToken(1).client_user as object), role: { id: 'admin', name: 'Users' } } }],
    ['client_user.role', { client_user: { ...(gcoreToken(1).client_user as object), role: null } }],
    ['created', { created: `2021-01-01T12:00:00${'0'.repeat(5000)}Z` }],
  ])('names the bad field %s', (field, overrides) => {
    expect(fieldOf(gcoreToken(1, overrides))).toBe(field);
  });

  it('cuts over-long text fields for display, marked as cut, and never fails the token for them', () => {
    const long = 'n'.repeat(5000);
    const t = parseToken(
      gcoreToken(1, {
        name: long,
        description: `${'d'.repeat(4095)}😀😀`,
        client_user: { ...(gcoreToken(1).client_user as object), user_name: long, user_email: long, role: { id: 2, name: long } },
      }),
    );
    expect(t.name).toBe(`${'n'.repeat(4096)}… (cut)`);
    expect(t.description).toBe(`${'d'.repeat(4095)}… (cut)`); // not half an emoji
    expect(t.issuer.name).toBe(`${'n'.repeat(4096)}… (cut)`);
    expect(t.issuer.email).toBe(`${'n'.repeat(4096)}… (cut)`);
    expect(t.role.name).toBe(`${'n'.repeat(4096)}… (cut)`);
    expect(parseToken(gcoreToken(1, { name: 'x'.repeat(4096) })).name).toBe('x'.repeat(4096));
    // Only a high surrogate left at the cut is dropped: an emoji earlier in the text is no reason to lose a character.
    expect(parseToken(gcoreToken(1, { name: `😀${'x'.repeat(5000)}` })).name).toBe(`😀${'x'.repeat(4094)}… (cut)`);
  });

  it.each([
    ['{}', {}],
    ['no id', { name: 'Administrators' }],
    ['no name', { id: 3 }],
    ['nulls', { id: null, name: null }],
  ])('takes a role with %s', (_label, role) => {
    const t = parseToken(gcoreToken(1, { client_user: { ...(gcoreToken(1).client_user as object), role } }));
    expect(t.role).toEqual({ id: (role as { id?: number }).id ?? null, name: (role as { name?: string }).name ?? null });
  });

  it('accepts RFC 3339 dates beside Gcore\'s two styles', () => {
    const t = parseToken(gcoreToken(1, { created: '2021-01-01t12:00:00.1234567890z', last_usage: '2026-12-31T23:59:59+23:59' }));
    expect(t.created.toISOString()).toBe('2021-01-01T12:00:00.123Z');
    expect(t.lastUsage?.toISOString()).toBe('2026-12-31T00:00:59.000Z');
  });

  it('names the problem in the message', () => {
    expect(() => parseToken(gcoreToken(1, { exp_date: 'tomorrow' }))).toThrow(/exp_date: .*got "tomorrow"/);
    expect(() => parseToken('<html>')).toThrow(/invalid token response/);
  });
});

describe('parseToken error messages', () => {
  const message = (raw: unknown): string => {
    try {
      parseToken(raw);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected a validation error');
  };

  it.each([
    ['a body that is no object', '<html>', '(response): expected object, got "<html>"'],
    ['an id given as text', gcoreToken(1, { id: '42' }), 'id: expected number, got "42"'],
    ['a zero id', gcoreToken(1, { id: 0 }), 'id: Too small: expected number to be >0, got 0'],
    ['a fractional id', gcoreToken(1, { id: 1.5 }), 'id: expected int, got 1.5'],
    ['an id past the safe integers', gcoreToken(1, { id: 2 ** 53 }), 'id: Too big: expected int to be <=9007199254740991, got 9007199254740992'],
    ['a missing field', gcoreToken(1, { expired: undefined }), 'expired: expected boolean, got nothing'],
    ['a null field', gcoreToken(1, { expired: null }), 'expired: expected boolean, got null'],
    ['a value JSON cannot show', gcoreToken(1, { name: () => 1 }), 'name: expected string, got function'],
    ['a long value, cut at 40 characters', gcoreToken(1, { name: { a: 'x'.repeat(100) } }), `name: expected string, got {"a":"${'x'.repeat(34)}…`],
    ['a value of exactly 40 characters, whole', gcoreToken(1, { name: { a: 'x'.repeat(32) } }), `name: expected string, got {"a":"${'x'.repeat(32)}"}`],
    [
      'a date that is no date',
      gcoreToken(1, { exp_date: 'tomorrow' }),
      'exp_date: expected an RFC 3339 date with a zone, like 2021-01-01T12:00:00.000000Z or 2021-01-01 12:00:00+00:00, got "tomorrow"',
    ],
    ['a date over 64 characters', gcoreToken(1, { created: `2021-01-01T12:00:00.${'1'.repeat(44)}Z` }), 'created: longer than 64 characters'],
  ])('names %s', (_label, raw, problem) => {
    expect(message(raw)).toBe(`invalid token response: ${problem}`);
  });

  it('takes the largest safe id and a date of exactly 64 characters', () => {
    const t = parseToken(gcoreToken(Number.MAX_SAFE_INTEGER, { created: `2021-01-01T12:00:00.${'1'.repeat(43)}Z` }));
    expect(t.id).toBe(Number.MAX_SAFE_INTEGER);
    expect(t.created.toISOString()).toBe('2021-01-01T12:00:00.111Z');
  });

  it('maps every field of a token with an expiry, a description and a last use', () => {
    const t = parseToken(
      gcoreToken(9, {
        description: 'CI deploys',
        exp_date: '2027-01-02T03:04:05Z',
        last_usage: '2026-11-01 10:00:00+01:00',
        expired: true,
        deleted: true,
        client_user: { ...(gcoreToken(1).client_user as object), deleted: true, role: { id: 1, name: 'Administrators' } },
      }),
    );
    expect(t).toEqual({
      id: 9,
      name: 'token-9',
      description: 'CI deploys',
      expDate: new Date('2027-01-02T03:04:05Z'),
      expired: true,
      deleted: true,
      created: new Date('2026-09-01T00:00:00Z'),
      lastUsage: new Date('2026-11-01T09:00:00Z'),
      issuer: { deleted: true, userId: 123, name: 'John Doe', email: 'john@example.com', clientId: 456 },
      role: { id: 1, name: 'Administrators' },
    });
  });
});

describe('parseListing', () => {
  it('takes ids and names, counting entries without a valid id', () => {
    expect(parseListing([{ id: 1, name: 'a' }, { id: 2 }, { id: 'x' }, null])).toEqual({
      ids: [
        { id: 1, name: 'a' },
        { id: 2, name: null },
      ],
      invalid: 2,
    });
  });

  it('takes every entry with a valid id whatever its other fields, cutting an over-long name', () => {
    expect(parseListing([{ id: 1, name: 'x'.repeat(5000) }, { id: 2, name: 42, exp_date: 'junk' }, { id: 3, client_user: null }])).toEqual({
      ids: [
        { id: 1, name: `${'x'.repeat(4096)}… (cut)` },
        { id: 2, name: null },
        { id: 3, name: null },
      ],
      invalid: 0,
    });
  });

  it('rejects a body that is not an array, saying what came instead', () => {
    expect(() => parseListing({ results: [] })).toThrow(TokenValidationError);
    expect(() => parseListing({ results: [] })).toThrow('invalid token list: expected an array, got {"results":[]}');
    expect(() => parseListing(undefined)).toThrow('invalid token list: expected an array, got nothing');
  });

  it('blames the whole response, not a field, for a body that is not an array', () => {
    expect(() => parseListing('<html>')).toThrow(expect.objectContaining({ field: '(response)' }));
  });
});
