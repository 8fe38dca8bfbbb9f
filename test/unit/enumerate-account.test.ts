import { describe, expect, it } from '@jest/globals';
import { GcoreAuthError, GcoreNotFoundError, GcoreUnavailableError, SecretNotSetError } from '../../src/core/errors.js';
import type { AccountConfig, Config } from '../../src/config/config.js';
import type { Secrets } from '../../src/config/secrets.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { enumerateAccount } from '../../src/run/enumerate-account.js';
import { enumerateAccounts } from '../../src/run/enumerate-accounts.js';
import type { TokenRef } from '../../src/core/token-ref.js';
import { tokenRef } from '../support/tokens.js';

const KEY = 'secret-key-123456';
const secrets: Secrets = { get: () => KEY, known: () => [KEY] };
const missing: Secrets = {
  get: (name) => {
    throw new SecretNotSetError(name);
  },
  known: () => [],
};
const account = (overrides: Partial<AccountConfig> = {}): AccountConfig => ({
  clientId: 456,
  name: null,
  apiKeyEnv: 'GCORE_API_KEY',
  discover: true,
  tokens: [],
  ...overrides,
});
/** A Gcore whose list answers `list` (or throws it) and whose /iam/clients/me says 789 (or throws). */
function gcore(list: unknown, me: unknown = 789): GcoreApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getAccountId: (apiKey) => {
      calls.push(`me ${apiKey === KEY ? 'with key' : 'without key'}`);
      return me instanceof Error ? Promise.reject(me) : Promise.resolve(me as number);
    },
    listTokens: (clientId) => {
      calls.push(`list ${clientId}`);
      return list instanceof Error ? Promise.reject(list) : Promise.resolve(list);
    },
    getToken: () => Promise.reject(new Error('not asked')),
  };
}
const deps = (api: GcoreApi, s: Secrets = secrets) => ({ api, secrets: s, maxTokensPerAccount: 3 });
const ref = (tokenId: number, overrides: Partial<TokenRef> = {}): TokenRef => tokenRef(456, tokenId, overrides);

describe('enumerateAccount', () => {
  it('reads only the inventory when discover is off: no list, each token with its owner', async () => {
    const api = gcore([{ id: 99 }]);
    const inventory = account({ discover: false, tokens: [{ id: 7, owner: 'platform-team' }, { id: 8, owner: null }] });
    expect(await enumerateAccount(inventory, deps(api))).toEqual({
      account: { clientId: 456, label: 'account 456', error: null },
      refs: [ref(7, { owner: 'platform-team', inInventory: true, inventoryDeclared: true }), ref(8, { inInventory: true, inventoryDeclared: true })],
    });
    expect(api.calls).toEqual([]);
  });

  it("merges the list into the inventory: a listed inventory token keeps its owner and gets its name; a key in a name is redacted", async () => {
    const api = gcore([{ id: 7, name: 'ci' }, { id: 9, name: `leaked ${KEY}` }, { id: 10 }]);
    const result = await enumerateAccount(account({ tokens: [{ id: 7, owner: 'platform-team' }, { id: 8, owner: null }] }), deps(api));
    expect(result.account).toEqual({ clientId: 456, label: 'account 456', error: null });
    expect(result.refs).toEqual([
      ref(7, { owner: 'platform-team', listedName: 'ci', inInventory: true, inventoryDeclared: true }),
      ref(8, { inInventory: true, inventoryDeclared: true }), // in the inventory, not listed: still read
      ref(9, { listedName: expect.not.stringContaining(KEY) as unknown as string, inventoryDeclared: true }),
      ref(10, { inventoryDeclared: true }),
    ]);
    expect(result.refs[2]?.listedName).toMatch(/^leaked /);
    expect(api.calls).toEqual(['list 456']);
  });

  it("learns the account's id from its key when it is not configured", async () => {
    const api = gcore([{ id: 1 }]);
    const result = await enumerateAccount(account({ clientId: null, apiKeyEnv: 'OTHER_KEY' }), deps(api));
    expect(result).toEqual({ account: { clientId: 789, label: 'account 789', error: null }, refs: [ref(1, { clientId: 789, apiKeyEnv: 'OTHER_KEY' })] });
    expect(api.calls).toEqual(['me with key', 'list 789']);
  });

  it('is blind, with nothing asked of Gcore, when its key is not set', async () => {
    const api = gcore([]);
    expect(await enumerateAccount(account({ clientId: null, apiKeyEnv: 'K' }), deps(api, missing))).toEqual({
      account: { clientId: null, label: 'the account of K', error: 'K is not set (nor K_FILE)', blind: true },
      refs: [],
    });
    expect(await enumerateAccount(account({ apiKeyEnv: 'K' }), deps(api, missing))).toEqual({
      account: { clientId: 456, label: 'account 456', error: 'K is not set (nor K_FILE)', blind: true },
      refs: [],
    });
    expect(api.calls).toEqual([]);
  });

  it('is blind when its key cannot say which account it is: refused, or an error with the key redacted', async () => {
    const refused = await enumerateAccount(account({ clientId: null }), deps(gcore([], new GcoreAuthError('no'))));
    expect(refused).toEqual({ account: { clientId: null, label: 'the account of GCORE_API_KEY', error: 'GCORE_API_KEY was rejected (401)', blind: true }, refs: [] });
    const down = await enumerateAccount(account({ clientId: null }), deps(gcore([], new GcoreUnavailableError(`HTTP 503 for ${KEY}`, undefined))));
    expect(down.account.blind).toBe(true);
    expect(down.account.error).toMatch(/^could not identify the account: HTTP 503 for /);
    expect(down.account.error).not.toContain(KEY);
    expect(down.refs).toEqual([]);
  });

  it("lets a bug through rather than calling it the account's problem", async () => {
    await expect(enumerateAccount(account({ clientId: null }), deps(gcore([], new TypeError('bug'))))).rejects.toThrow('bug');
    await expect(enumerateAccount(account(), deps(gcore(new TypeError('bug in list'))))).rejects.toThrow('bug in list');
    const throwing: Secrets = {
      get: () => {
        throw new TypeError('secrets bug');
      },
      known: () => [],
    };
    await expect(enumerateAccount(account(), deps(gcore([]), throwing))).rejects.toThrow('secrets bug');
  });

  it('reads only the inventory of a list longer than maxTokensPerAccount, and says so', async () => {
    const result = await enumerateAccount(account({ tokens: [{ id: 7, owner: null }] }), deps(gcore([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }])));
    expect(result).toEqual({
      account: { clientId: 456, label: 'account 456', error: 'the token list has 4 entries, more than gcore.maxTokensPerAccount (3)' },
      refs: [ref(7, { inInventory: true, inventoryDeclared: true })],
    });
    // Exactly the limit is a list like any other.
    expect((await enumerateAccount(account(), deps(gcore([{ id: 1 }, { id: 2 }, { id: 3 }])))).account.error).toBeNull();
  });

  it('reads the valid entries of a list and counts the others as its error', async () => {
    const one = await enumerateAccount(account(), deps(gcore([{ id: 1 }, { name: 'no id' }])));
    expect(one).toEqual({ account: { clientId: 456, label: 'account 456', error: 'the token list had 1 entry without a valid id' }, refs: [ref(1)] });
    const two = await enumerateAccount(account(), deps(gcore([{ id: 'x' }, { id: 2 }, null])));
    expect(two.account.error).toBe('the token list had 2 entries without a valid id');
    expect(two.refs).toEqual([ref(2)]);
  });

  it('is blind when its list is refused (the key, or an account the key does not know), and keeps the inventory when the list fails otherwise', async () => {
    const inventory = account({ tokens: [{ id: 7, owner: null }] });
    expect(await enumerateAccount(inventory, deps(gcore(new GcoreNotFoundError('no such client'))))).toEqual({
      account: { clientId: 456, label: 'account 456', error: 'GCORE_API_KEY does not know account 456 (404)', blind: true },
      refs: [],
    });
    const down = await enumerateAccount(inventory, deps(gcore(new GcoreUnavailableError(`HTTP 502 from ${KEY}`, undefined))));
    expect(down.account.blind).toBeUndefined();
    expect(down.account.error).toMatch(/^could not list tokens: HTTP 502 from /);
    expect(down.account.error).not.toContain(KEY);
    expect(down.refs).toEqual([ref(7, { inInventory: true, inventoryDeclared: true })]);
    // A list that is not a list: its validation error, the inventory still read.
    const odd = await enumerateAccount(inventory, deps(gcore({ tokens: [] })));
    expect(odd.account.error).toMatch(/^could not list tokens: .*expected an array/);
    expect(odd.refs).toHaveLength(1);
  });
});

describe('enumerateAccounts (the one-shot audit: every account at once)', () => {
  it("keeps the configuration's order and names, and each token once: two keys of one account, the first configured wins", async () => {
    const api: GcoreApi = {
      getAccountId: () => Promise.resolve(456), // OTHER_KEY's account is 456 too
      listTokens: (clientId) => Promise.resolve(clientId === 456 ? [{ id: 1 }, { id: 2 }] : [{ id: 3 }]),
      getToken: () => Promise.reject(new Error('not asked')),
    };
    const config = {
      gcore: { maxTokensPerAccount: 10 },
      accounts: [account({ name: 'Main', tokens: [{ id: 1, owner: 'ops' }] }), account({ clientId: 789 }), account({ clientId: null, apiKeyEnv: 'OTHER_KEY' })],
    } as unknown as Config;
    const { accounts, refs } = await enumerateAccounts(config, { api, secrets });
    expect(accounts).toEqual([
      { clientId: 456, label: 'account 456', error: null, name: 'Main' },
      { clientId: 789, label: 'account 789', error: null, name: null },
      { clientId: 456, label: 'account 456', error: null, name: null },
    ]);
    expect(refs).toEqual([
      ref(1, { owner: 'ops', inInventory: true, inventoryDeclared: true }),
      ref(2, { inventoryDeclared: true }),
      tokenRef(789, 3),
    ]);
  });

  it("holds each account to the configuration's gcore.maxTokensPerAccount", async () => {
    const api: GcoreApi = { getAccountId: () => Promise.resolve(456), listTokens: () => Promise.resolve([{ id: 1 }, { id: 2 }]), getToken: () => Promise.reject(new Error('not asked')) };
    const config = { gcore: { maxTokensPerAccount: 1 }, accounts: [account()] } as unknown as Config;
    const { accounts, refs } = await enumerateAccounts(config, { api, secrets });
    expect(accounts[0]?.error).toBe('the token list has 2 entries, more than gcore.maxTokensPerAccount (1)');
    expect(refs).toEqual([]);
  });
});
