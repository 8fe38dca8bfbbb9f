import { describe, expect, it } from '@jest/globals';
import { createSecrets, slackAppTokensSet } from '../../src/config/secrets.js';
import { SecretError, SecretNotSetError } from '../../src/core/errors.js';

// A secret is read once: the logger scrubs every value read (known()), and a value read for the first job
// is the one every later job of the process uses.
describe('createSecrets', () => {
  it('keeps the value it read first, whatever the environment says later', () => {
    const env: NodeJS.ProcessEnv = { A: 'first-secret' };
    const secrets = createSecrets(env);
    expect(secrets.get('A')).toBe('first-secret');
    env.A = 'second-secret';
    expect(secrets.get('A')).toBe('first-secret');
    expect(secrets.known()).toEqual(['first-secret']);
  });

  it('remembers nothing it could not read', () => {
    const secrets = createSecrets({ A: '' });
    expect(() => secrets.get('A')).toThrow(SecretNotSetError);
    expect(() => secrets.get('B')).toThrow(SecretError);
    expect(secrets.known()).toEqual([]);
  });
});

describe('slackAppTokensSet', () => {
  it('is true only when both app tokens are set', () => {
    expect(slackAppTokensSet({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN_FILE: '/run/secrets/bot' })).toBe(true);
    expect(slackAppTokensSet({ SLACK_APP_TOKEN: 'xapp-1' })).toBe(false);
    expect(slackAppTokensSet({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: '' })).toBe(false);
  });
});
