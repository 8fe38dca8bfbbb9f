import { describe, expect, it } from '@jest/globals';
import { GcoreNotFoundError } from '../../src/core/errors.js';
import { createExportApi } from '../../src/gcore/export-api.js';
import { failure } from '../support/failure.js';

// A saved export served through the live API's interface (`audit --input`): which accounts it covers, what
// each lists and gets, and the documents it refuses, each with a message saying what to write instead.
const entry = (id: number, clientId: unknown) => ({ id, name: `t${id}`, client_user: { client_id: clientId } });

describe('export API: the list endpoint\'s array', () => {
  it('groups entries by their account, in order of first appearance', async () => {
    const { clientIds, api } = createExportApi([entry(1, 789), entry(2, 456), entry(3, 789)]);
    expect(clientIds).toEqual([789, 456]);
    expect(await api.listTokens(789, 'k')).toEqual([entry(1, 789), entry(3, 789)]);
    expect(await api.listTokens(456, 'k')).toEqual([entry(2, 456)]);
    expect(await api.listTokens(111, 'k')).toEqual([]);
  });

  it('gets a token by its account and id, raw; a token not there is GcoreNotFoundError', async () => {
    const { api } = createExportApi([entry(1, 789), entry(2, 456)]);
    expect(await api.getToken(456, 2, 'k')).toEqual(entry(2, 456));
    const notThere = await failure(api.getToken(789, 2, 'k'));
    expect(notThere).toBeInstanceOf(GcoreNotFoundError);
    expect(notThere.message).toBe('token 2 is not in the export');
    expect(await failure(api.getToken(111, 1, 'k'))).toBeInstanceOf(GcoreNotFoundError);
  });

  it('knows the account of the key only when the export holds exactly one', async () => {
    expect(await createExportApi([entry(1, 456), entry(2, 456)]).api.getAccountId('k')).toBe(456);
    for (const document of [[entry(1, 456), entry(2, 789)], []]) {
      const error = await failure(createExportApi(document).api.getAccountId('k'));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('the export holds several accounts: give each account its clientId');
    }
  });

  it.each([
    ['no client_user', { id: 2 }],
    ['a null entry', null],
    ['a client id of 0', entry(2, 0)],
    ['a negative client id', entry(2, -4)],
    ['a fractional client id', entry(2, 4.5)],
    ['a client id as text', entry(2, '456')],
    ['a client id past the safe integers', entry(2, 2 ** 53)],
  ])('refuses an entry with %s, naming its index', (_label, bad) => {
    expect(() => createExportApi([entry(1, 456), bad])).toThrow(
      new TypeError('entry [1] has no client_user.client_id: use { "clientId": ..., "tokens": [...] }'),
    );
  });

  it('takes the largest safe client id', () => {
    expect(createExportApi([entry(1, Number.MAX_SAFE_INTEGER)]).clientIds).toEqual([Number.MAX_SAFE_INTEGER]);
  });
});

describe('export API: { clientId, tokens }', () => {
  it('puts every entry in the named account, whatever its own client_user says', async () => {
    const { clientIds, api } = createExportApi({ clientId: 456, tokens: [entry(1, 789), { id: 2 }] });
    expect(clientIds).toEqual([456]);
    expect(await api.listTokens(456, 'k')).toEqual([entry(1, 789), { id: 2 }]);
    expect(await api.listTokens(789, 'k')).toEqual([]);
    expect(await api.getAccountId('k')).toBe(456);
  });

  it('covers the account even with no tokens', async () => {
    const { clientIds, api } = createExportApi({ clientId: 456, tokens: [] });
    expect(clientIds).toEqual([456]);
    expect(await api.listTokens(456, 'k')).toEqual([]);
    expect(await api.getAccountId('k')).toBe(456);
  });

  it('finds a token past an entry that is not an object', async () => {
    const { api } = createExportApi({ clientId: 456, tokens: [null, 'x', { id: 5 }] });
    expect(await api.getToken(456, 5, 'k')).toEqual({ id: 5 });
    expect(await failure(api.getToken(456, 6, 'k'))).toBeInstanceOf(GcoreNotFoundError);
  });

  it.each([[undefined], [0], [-1], [4.5], ['456'], [2 ** 53], [null]])('refuses clientId %p', (clientId) => {
    expect(() => createExportApi({ clientId, tokens: [] })).toThrow(
      new TypeError('the export\'s "clientId" must be a positive whole number'),
    );
  });
});

describe('export API: neither shape', () => {
  it.each([[null], [{}], [{ tokens: 'x' }], ['[]'], [42]])('refuses %p, showing both shapes', (document) => {
    expect(() => createExportApi(document)).toThrow(
      new TypeError('expected the list endpoint\'s array, or { "clientId": 456, "tokens": [...] }'),
    );
  });
});
