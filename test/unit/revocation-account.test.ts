import { describe, expect, it } from '@jest/globals';
import type { AccountConfig } from '../../src/config/config.js';
import { createSecrets } from '../../src/config/secrets.js';
import { accountKeys, accountOf, auditKeyOf, findAccount } from '../../src/run/revocation-account.js';
import { SecretError, UsageError } from '../../src/core/errors.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';

const account = (clientId: number | null, apiKeyEnv: string): AccountConfig => ({ clientId, name: null, apiKeyEnv, discover: true, tokens: [] });

describe('findAccount', () => {
  const listed = account(456, 'KEY_456');
  const keyless = [account(null, 'KEY_A'), account(null, 'KEY_B')];
  const ids: Record<string, number> = { KEY_A: 700, KEY_B: 800 };

  it('takes the account listed with the client id without asking Gcore', async () => {
    const asked: string[] = [];
    const found = await findAccount({ accounts: [...keyless, listed] }, 456, (env) => (asked.push(env), Promise.resolve(ids[env]!)));
    expect(found).toBe(listed);
    expect(asked).toEqual([]);
  });

  it('finds an account without a client id by asking Gcore whose its key is, and stops at the first match', async () => {
    const asked: string[] = [];
    const found = await findAccount({ accounts: [listed, ...keyless] }, 700, (env) => (asked.push(env), Promise.resolve(ids[env]!)));
    expect(found).toBe(keyless[0]);
    expect(asked).toEqual(['KEY_A']);
    expect(await findAccount({ accounts: [listed, ...keyless] }, 800, (env) => Promise.resolve(ids[env]!))).toBe(keyless[1]);
  });

  it('is null for an account nobody configured', async () => {
    expect(await findAccount({ accounts: [listed, ...keyless] }, 999, (env) => Promise.resolve(ids[env]!))).toBeNull();
  });
});

describe('auditKeyOf', () => {
  it('is the account key when set, null when its variable is not set', () => {
    const secrets = createSecrets({ KEY_A: 'secret-a' });
    expect(auditKeyOf(account(1, 'KEY_A'), secrets)).toBe('secret-a');
    expect(auditKeyOf(account(1, 'KEY_UNSET'), secrets)).toBeNull();
  });

  it('a key set wrongly (both KEY and KEY_FILE) is an error, not a key left unset', () => {
    const both = createSecrets({ KEY_A: 'secret-a', KEY_A_FILE: '/run/secrets/key_a' });
    expect(() => auditKeyOf(account(1, 'KEY_A'), both)).toThrow(SecretError);
  });
});

describe('accountOf and accountKeys', () => {
  const secrets = createSecrets({ KEY_A: 'secret-a', KEY_DEL: 'secret-del' });
  const api = { getAccountId: (key: string) => Promise.resolve(key === 'secret-a' ? 700 : 0) } as unknown as GcoreApi;

  it('asks Gcore with the key of an account without a client id, and refuses one not configured by name', async () => {
    const keyless = account(null, 'KEY_A');
    expect(await accountOf({ accounts: [keyless] }, 700, api, secrets)).toBe(keyless);
    const refused = accountOf({ accounts: [keyless] }, 999, api, secrets);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow('account 999 is not in the configuration (accounts)');
  });

  it('carries out a revocation with the deleting key, and the audit key only when it is set', () => {
    expect(accountKeys(account(1, 'KEY_A'), 'KEY_DEL', secrets)).toEqual({ deleteKey: 'secret-del', auditKey: 'secret-a' });
    expect(accountKeys(account(1, 'KEY_UNSET'), 'KEY_DEL', secrets)).toEqual({ deleteKey: 'secret-del', auditKey: null });
  });
});
