import { describe, expect, it } from '@jest/globals';
import { envNameClashes } from '../../src/config/env-name-clashes.js';

// A `*Env` naming a variable another `*Env` reads for another purpose would send one secret where another
// belongs (a webhook URL to Gcore as an API key, the audit's read key used to delete): one problem per later use.
const noRoutes = { slack: { routes: [] } };

describe('envNameClashes', () => {
  it('lets uses of one kind share a variable: two accounts, one key; two deleting keys', () => {
    expect(envNameClashes({ accounts: [{ clientId: 1, apiKeyEnv: 'KEY' }, { clientId: 2, apiKeyEnv: 'KEY' }], notify: noRoutes })).toEqual([]);
    expect(
      envNameClashes({ accounts: [{ apiKeyEnv: 'READ', remediationKeyEnv: 'DEL' }], notify: noRoutes, remediation: { apiKeyEnv: 'DEL' } }),
    ).toEqual([]);
  });

  it('names both purposes and the earlier place, at the later use\'s path', () => {
    expect(
      envNameClashes({ accounts: [{ clientId: 456, apiKeyEnv: 'TEAM_A' }], notify: { slack: { routes: [{ name: 'team-a', webhookEnv: 'TEAM_A' }] } } }),
    ).toEqual([
      {
        path: ['notify', 'slack', 'routes', 0, 'webhookEnv'],
        message: 'TEAM_A holds the Gcore API key of account 456 (accounts[0].apiKeyEnv), not the Slack webhook of route "team-a": name a variable of its own for each',
      },
    ]);
  });

  it('names an account without a client id by its index', () => {
    expect(
      envNameClashes({ accounts: [{ apiKeyEnv: 'A' }, { apiKeyEnv: 'B', remediationKeyEnv: 'A' }], notify: noRoutes }),
    ).toEqual([
      {
        path: ['accounts', 1, 'remediationKeyEnv'],
        message: 'A holds the Gcore API key of accounts[0] (accounts[0].apiKeyEnv), not the deleting key of accounts[1]: name a variable of its own for each',
      },
    ]);
  });

  it('keeps the directory\'s token and the deleting key apart from the read keys and webhooks', () => {
    const clashes = envNameClashes({
      accounts: [{ clientId: 7, apiKeyEnv: 'K', remediationKeyEnv: 'W' }],
      notify: { slack: { routes: [{ name: 'r', webhookEnv: 'W' }] } },
      issuers: { directory: { tokenEnv: 'K' } },
      remediation: { apiKeyEnv: 'W' },
    });
    expect(clashes.map((c) => [c.path.join('.'), c.message.split(' (')[0]])).toEqual([
      ['issuers.directory.tokenEnv', 'K holds the Gcore API key of account 7'],
      ['accounts.0.remediationKeyEnv', 'W holds the Slack webhook of route "r"'],
      ['remediation.apiKeyEnv', 'W holds the Slack webhook of route "r"'],
    ]);
    expect(clashes[2]?.message).toContain('not the deleting key (remediation.apiKeyEnv)');
    expect(clashes[0]?.message).toContain("not the company directory's bearer token");
  });

  it('names an account with a client id by it, for its deleting key too', () => {
    expect(envNameClashes({ accounts: [{ clientId: 7, apiKeyEnv: 'K' }, { clientId: 8, apiKeyEnv: 'L', remediationKeyEnv: 'K' }], notify: noRoutes })).toEqual([
      {
        path: ['accounts', 1, 'remediationKeyEnv'],
        message: 'K holds the Gcore API key of account 7 (accounts[0].apiKeyEnv), not the deleting key of account 8: name a variable of its own for each',
      },
    ]);
  });

  it('finds nothing when no directory or remediation names a variable', () => {
    expect(envNameClashes({ accounts: [{ apiKeyEnv: 'K' }, { apiKeyEnv: 'K' }], notify: noRoutes, issuers: {}, remediation: {} })).toEqual([]);
    expect(envNameClashes({ accounts: [{ apiKeyEnv: 'K' }], notify: noRoutes, issuers: { directory: {} }, remediation: {} })).toEqual([]);
  });
});
