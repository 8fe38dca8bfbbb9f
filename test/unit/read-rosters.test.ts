import { describe, expect, it } from '@jest/globals';
import { GcoreUnavailableError, SecretNotSetError } from '../../src/core/errors.js';
import { UNKNOWN_ISSUER } from '../../src/core/issuer-facts.js';
import type { AccountConfig, Config } from '../../src/config/config.js';
import type { Secrets } from '../../src/config/secrets.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import type { AccountResult } from '../../src/core/report.js';
import {
  enumeratedAccounts,
  factsByField,
  issuerField,
  readRosters,
  readsPeople,
  startRosters,
  withRosterErrors,
} from '../../src/run/read-rosters.js';
import type { Roster } from '../../src/run/read-roster.js';

const configured = (apiKeyEnv: string, clientId: number | null = null): AccountConfig => ({ clientId, name: null, apiKeyEnv, discover: true, tokens: [] });
const result = (clientId: number | null, overrides: Partial<AccountResult> = {}): AccountResult => ({ clientId, label: `account ${clientId}`, error: null, ...overrides });
const secrets: Secrets = { get: (name) => `key-of-${name}`, known: () => [] };

/** A Gcore that answers every people call with a 503 (each roster then fails with its reason), recording which key asked. */
function people(): GcoreApi & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getAccountId: () => Promise.reject(new Error('not asked')),
    listTokens: () => Promise.reject(new Error('not asked')),
    getToken: () => Promise.reject(new Error('not asked')),
    getAccountDetails: (apiKey) => {
      asked.push(apiKey);
      return Promise.reject(new GcoreUnavailableError('HTTP 503', undefined));
    },
    listUsers: () => Promise.reject(new Error('not asked')),
  };
}

describe('the rosters of a run', () => {
  it('reads each client id once, with its first configured key, skipping blind accounts and those read before', async () => {
    const api = people();
    const accounts = [
      { configured: configured('A', 1), account: result(1) },
      { configured: configured('B'), account: result(1) }, // the same account through another key: read once, with A
      { configured: configured('C', 2), account: result(2, { blind: true, error: 'C was rejected (401)' }) },
      { configured: configured('D'), account: result(null, { blind: true, error: 'D is not set' }) },
      { configured: configured('E', 3), account: result(3) },
      { configured: configured('F', 4), account: result(4) },
      { configured: configured('G'), account: result(null) }, // no id learnt: nothing to read people of
    ];
    const rosters = await readRosters(accounts, { api, secrets, concurrency: 2, skip: new Set([4]) });
    expect([...rosters.keys()]).toEqual([1, 3]);
    expect(api.asked).toEqual(['key-of-A', 'key-of-E']);
    expect(rosters.get(1)).toEqual({ clientId: 1, error: 'its users could not be read: HTTP 503 (issuer checks skipped)', keyUserId: null, facts: new Map() });
  });

  it('reads none from a source that cannot tell about people (a saved export)', async () => {
    const exportApi: GcoreApi = { ...people(), getAccountDetails: undefined };
    expect(readsPeople(exportApi)).toBe(false);
    expect(readsPeople(people())).toBe(true);
    const noUsers: GcoreApi = { ...people(), listUsers: undefined };
    expect(readsPeople(noUsers)).toBe(false);
    expect(await readRosters([{ configured: configured('A', 1), account: result(1) }], { api: exportApi, secrets, concurrency: 1 })).toEqual(new Map());
    expect(startRosters({ accounts: [configured('A', 1)] } as unknown as Config, [result(1)], { api: exportApi, secrets })).toEqual(new Map());
  });

  it("a key that is not set makes the roster's own gap, without asking Gcore; a bug is let through", async () => {
    const api = people();
    const unset: Secrets = {
      get: (name) => {
        throw new TypeError(`${name} bug`);
      },
      known: () => [],
    };
    await expect(readRosters([{ configured: configured('A', 1), account: result(1) }], { api, secrets: unset, concurrency: 1 })).rejects.toThrow('A bug');
    const notSet: Secrets = {
      get: (name) => {
        throw new SecretNotSetError(name);
      },
      known: () => [],
    };
    const rosters = await readRosters([{ configured: configured('A', 1), account: result(1) }], { api, secrets: notSet, concurrency: 1 });
    expect(rosters.get(1)?.error).toBe('its users could not be read: A is not set (nor A_FILE) (issuer checks skipped)');
    expect(api.asked).toEqual([]);
  });

  it('starts each roster at once for the one-shot audit, the configuration beside its enumerations', async () => {
    const api = people();
    const config = { accounts: [configured('A', 1), configured('B', 2)] } as unknown as Config;
    const started = startRosters(config, [result(1), result(2, { blind: true })], { api, secrets });
    expect([...started.keys()]).toEqual([1]);
    expect((await started.get(1))?.error).toMatch(/HTTP 503/);
    expect(enumeratedAccounts(config, [result(1), result(2), result(3)])).toEqual([
      { configured: configured('A', 1), account: result(1) },
      { configured: configured('B', 2), account: result(2) },
    ]);
  });

  it("marks each account whose roster failed with its reason, and leaves the others as they are", () => {
    const rosters = new Map<number, Roster>([
      [1, { clientId: 1, error: 'its users could not be read: HTTP 503 (issuer checks skipped)', keyUserId: null, facts: new Map() }],
      [2, { clientId: 2, error: null, keyUserId: 9, facts: new Map([[9, UNKNOWN_ISSUER]]) }],
    ]);
    expect(withRosterErrors([result(1), result(2), result(null), result(3)], rosters)).toEqual([
      result(1, { roster: 'its users could not be read: HTTP 503 (issuer checks skipped)' }),
      result(2),
      result(null),
      result(3),
    ]);
    expect(factsByField(rosters)).toEqual(new Map([[issuerField(2, 9), UNKNOWN_ISSUER]]));
    expect(issuerField(2, 9)).toBe('2:9');
  });
});
