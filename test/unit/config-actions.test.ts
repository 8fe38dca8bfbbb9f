import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load-config.js';
import { createSecrets, readSlackAppTokens } from '../../src/config/secrets.js';
import { SecretError } from '../../src/core/errors.js';
import { configProblems } from '../support/config-problems.js';

const BOTH = { SLACK_APP_TOKEN: 'xapp-1-secret-app', SLACK_BOT_TOKEN: 'xoxb-secret-bot' };

describe('actions: acting from Slack', () => {
  it('defaults to a week of acknowledgement and nobody allowed; no buttons without the app tokens', () => {
    expect(parseConfig({}, {}).actions).toEqual({ interactive: false, ackDays: 7, allowed: { users: [], userGroups: [] } });
  });

  it('is interactive when both app tokens are set, each as itself or as its _FILE', () => {
    expect(parseConfig({}, BOTH).actions?.interactive).toBe(true);
    expect(parseConfig({}, { SLACK_APP_TOKEN_FILE: '/run/secrets/app', SLACK_BOT_TOKEN: 'xoxb-1' }).actions?.interactive).toBe(true);
  });

  it('refuses one app token without the other, naming the one missing and never a value', () => {
    const problems = configProblems({}, { SLACK_BOT_TOKEN: 'xoxb-secret-bot' });
    expect(problems).toEqual(['SLACK_APP_TOKEN: not set, but SLACK_BOT_TOKEN is: acting from Slack needs both (or neither, for no buttons)']);
    expect(configProblems({}, { SLACK_APP_TOKEN_FILE: '/run/secrets/app' })[0]).toMatch(/^SLACK_BOT_TOKEN: not set, but SLACK_APP_TOKEN is/);
    expect(problems.join()).not.toContain('secret');
  });

  it('takes Slack user and user group ids, and reports each bad one with its path', () => {
    const config = parseConfig({ actions: { ackDays: 3, allowed: { users: ['U012ABCDEF', 'W0ENTERPRISE'], userGroups: ['S0SECURITY'] } } }, {});
    expect(config.actions).toMatchObject({ ackDays: 3, allowed: { users: ['U012ABCDEF', 'W0ENTERPRISE'], userGroups: ['S0SECURITY'] } });
    expect(configProblems({ actions: { allowed: { users: ['alice@example.com'], userGroups: ['U012ABCDEF'] } } })).toEqual([
      // An email is never shown back (people's emails stay out of errors).
      'actions.allowed.users[0]: expected a Slack user id (U012ABCDEF), got a string',
      'actions.allowed.userGroups[0]: expected a Slack user group id (S012ABCDEF), got "U012ABCDEF"',
    ]);
  });

  it('bounds ackDays and refuses unknown keys', () => {
    expect(configProblems({ actions: { ackDays: 0 } })[0]).toMatch(/^actions\.ackDays: /);
    expect(configProblems({ actions: { ackDays: 91 } })[0]).toMatch(/^actions\.ackDays: /);
    expect(configProblems({ actions: { allowed: { channels: ['C1'] } } })[0]).toBe('actions.allowed.channels: unknown key');
  });

  it('says when the tokens are set but nobody may click', () => {
    expect(parseConfig({}, BOTH).notices).toEqual(['actions.allowed names no user and no user group: every click on a Slack button is refused']);
    expect(parseConfig({ actions: { allowed: { users: ['U1AB'] } } }, BOTH).notices).toEqual([]);
    expect(parseConfig({ actions: { allowed: { userGroups: ['S1AB'] } } }, BOTH).notices).toEqual([]);
    expect(parseConfig({}, {}).notices).toEqual([]);
  });

  it('reads the two tokens as secrets only when both are set', () => {
    expect(readSlackAppTokens(createSecrets({}), {})).toBeNull();
    expect(readSlackAppTokens(createSecrets(BOTH), BOTH)).toEqual({ appToken: BOTH.SLACK_APP_TOKEN, botToken: BOTH.SLACK_BOT_TOKEN });
    const both = { ...BOTH, SLACK_BOT_TOKEN_FILE: '/nowhere' };
    expect(() => readSlackAppTokens(createSecrets(both), both)).toThrow(SecretError);
  });
});
