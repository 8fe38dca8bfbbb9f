import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { createSecrets } from '../../src/config/secrets.js';
import { routeWebhooks } from '../../src/alerts/slack/route-webhooks.js';

function problems(document: unknown): string[] {
  try {
    parseConfig(document, {});
    return [];
  } catch (error) {
    return [...(error as ConfigError).problems];
  }
}
const slack = (s: unknown) => ({ notify: { slack: s } });
const oncall = { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' } };

describe('notify.slack: budget, detail and routes', () => {
  it('takes a budget of at least one message, and a detail severity', () => {
    expect(problems(slack({ maxMessagesPerRun: 0 }))).toEqual(['notify.slack.maxMessagesPerRun: expected more than 0, got 0']);
    expect(problems(slack({ detailSeverity: 'urgent' }))[0]).toMatch(/^notify\.slack\.detailSeverity: /);
    expect(parseConfig(slack({ maxMessagesPerRun: 1, detailSeverity: 'critical' }), {}).notify.slack).toMatchObject({
      maxMessagesPerRun: 1,
      detailSeverity: 'critical',
    });
  });

  it('reports each bad route field with its path, and unknown keys', () => {
    const got = problems(
      slack({
        routes: [
          { ...oncall, name: 'On Call' },
          { ...oncall, name: 'default' },
          { ...oncall, match: { rules: ['no-such-rule'] } },
          { ...oncall, webhookEnv: 'not a name', colour: 'red' },
        ],
      }),
    );
    expect(got).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^notify\.slack\.routes\[0\]\.name: /),
        expect.stringMatching(/^notify\.slack\.routes\[1\]\.name: "default" is the route of SLACK_WEBHOOK_URL/),
        expect.stringMatching(/^notify\.slack\.routes\[2\]\.match\.rules\[0\]: /),
        expect.stringMatching(/^notify\.slack\.routes\[3\]\.webhookEnv: /),
        expect.stringMatching(/^notify\.slack\.routes\[3\]\.colour: unknown key/),
      ]),
    );
  });

  it('refuses two routes of the same name', () => {
    expect(problems(slack({ routes: [oncall, oncall] }))).toEqual(['notify.slack.routes[1].name: route "oncall" is named twice']);
  });
});

describe('routeWebhooks', () => {
  const settings = (routes: unknown[]) => parseConfig(slack({ routes }), {}).notify.slack;

  it('reads every route webhook and the default one, and names every one missing or malformed, never the value', () => {
    const env = { ONCALL_WEBHOOK: 'http://hooks.example.com/services/T/B/secretsecret' };
    let error: unknown;
    try {
      routeWebhooks(settings([oncall]), createSecrets(env), 'test');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as UsageError).message;
    expect(message).toContain('route "oncall": ONCALL_WEBHOOK: expected an https:// URL');
    expect(message).toContain('SLACK_WEBHOOK_URL is not set');
    expect(message).not.toContain('secretsecret');
  });

  it('needs no SLACK_WEBHOOK_URL when a route with an empty match takes every finding', () => {
    const all = { name: 'all', webhookEnv: 'ALL_WEBHOOK' };
    const hooks = routeWebhooks(settings([oncall, all]), createSecrets({ ONCALL_WEBHOOK: 'https://hooks.slack.com/services/T1/B1/x', ALL_WEBHOOK: 'http://127.0.0.1:9/y' }), 'test');
    expect([...hooks.keys()]).toEqual(['oncall', 'all']);
  });
});
