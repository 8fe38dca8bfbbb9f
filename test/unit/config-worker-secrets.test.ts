import { describe, expect, it } from '@jest/globals';
import { checkWorkerSecrets } from '../../src/config/check-worker-secrets.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createSecrets, type Secrets } from '../../src/config/secrets.js';
import { ConfigError } from '../../src/core/errors.js';

// What the worker checks before it starts: every problem at once, each naming the variable and what it is
// for, never a value.
const HOOK = 'https://hooks.slack.com/services/T/B/x';

function problemsOf(document: unknown, env: NodeJS.ProcessEnv, webhookNames: readonly string[] = ['SLACK_WEBHOOK_URL']): string[] {
  try {
    checkWorkerSecrets(parseConfig(document, env), createSecrets(env), webhookNames);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  return [];
}

describe('checkWorkerSecrets', () => {
  it('names the default account, and asks once for a key that accounts share, naming them all', () => {
    expect(problemsOf({}, { SLACK_WEBHOOK_URL: HOOK })).toEqual(['GCORE_API_KEY is not set (nor GCORE_API_KEY_FILE): the API key of the account']);
    expect(problemsOf({ accounts: [{ clientId: 1, apiKeyEnv: 'SHARED' }, { clientId: 2, apiKeyEnv: 'SHARED' }] }, { SLACK_WEBHOOK_URL: HOOK })).toEqual([
      'SHARED is not set (nor SHARED_FILE): the API key of account 1, account 2',
    ]);
  });

  it('asks once for a deleting key that accounts share', () => {
    const document = {
      accounts: [{ clientId: 1, remediationKeyEnv: 'DELETE_KEY' }, { clientId: 2, remediationKeyEnv: 'DELETE_KEY' }],
      remediation: { enabled: true, quarantine: [{ rule: 'stale', afterHours: 24, dryRun: false }] },
    };
    expect(problemsOf(document, { GCORE_API_KEY: 'k', SLACK_WEBHOOK_URL: HOOK })).toEqual([
      'DELETE_KEY is not set (nor DELETE_KEY_FILE): the deleting key of remediation.quarantine (an entry with dryRun: false)',
    ]);
    expect(problemsOf(document, { GCORE_API_KEY: 'k', DELETE_KEY: 'd', SLACK_WEBHOOK_URL: HOOK })).toEqual([]);
  });

  it('asks only for the deleting keys that are named, in a Config built by hand', () => {
    const live = parseConfig(
      { accounts: [{ clientId: 1, remediationKeyEnv: 'DELETE_1' }, { clientId: 2, remediationKeyEnv: 'DELETE_2' }], remediation: { enabled: true, quarantine: [{ rule: 'stale', afterHours: 24, dryRun: false }] } },
      {},
    );
    const config = { ...live, accounts: live.accounts.map((a) => (a.clientId === 2 ? { ...a, remediationKeyEnv: undefined } : a)) };
    expect(() => checkWorkerSecrets(config, createSecrets({ GCORE_API_KEY: 'k', DELETE_1: 'd' }), [])).not.toThrow();
  });

  it('checks no Slack app token for a Config without actions', () => {
    const config = { ...parseConfig({}, { SLACK_APP_TOKEN: 'xoxb-swapped', SLACK_BOT_TOKEN: 'xapp-swapped' }), actions: undefined };
    expect(() => checkWorkerSecrets(config, createSecrets({ GCORE_API_KEY: 'k' }), [])).not.toThrow();
  });

  it('asks once for a webhook variable named twice', () => {
    expect(problemsOf({}, { GCORE_API_KEY: 'k' }, ['TEAM_WEBHOOK', 'TEAM_WEBHOOK'])).toEqual(['TEAM_WEBHOOK is not set (nor TEAM_WEBHOOK_FILE): the worker posts to Slack']);
  });

  it('says an app token that cannot be read once, without judging its kind', () => {
    const env = { GCORE_API_KEY: 'k', SLACK_WEBHOOK_URL: HOOK, SLACK_APP_TOKEN_FILE: '/nonexistent/app', SLACK_BOT_TOKEN: 'xoxb-bot' };
    expect(problemsOf({}, env)).toEqual(['SLACK_APP_TOKEN_FILE names a file that cannot be read (ENOENT): the worker acts from Slack']);
  });

  it('lets an error that is no missing secret through as it is', () => {
    const broken: Secrets = {
      get: () => {
        throw new TypeError('broken store');
      },
      known: () => [],
    };
    expect(() => checkWorkerSecrets(parseConfig({}, {}), broken, [])).toThrow(TypeError);
  });
});
