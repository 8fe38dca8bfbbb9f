import { describe, expect, it } from '@jest/globals';
import type { Route } from '../../src/alerts/route-findings.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import { createSecrets, type Secrets } from '../../src/config/secrets.js';
import { UsageError } from '../../src/core/errors.js';
import { defaultRouteUsed, routeWebhooks, webhookEnvNames } from '../../src/alerts/slack/route-webhooks.js';

const oncall: Route = { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: false };
/** A route with an empty match: it takes every finding, so none is left for SLACK_WEBHOOK_URL. */
const catchAll: Route = { name: 'all', webhookEnv: 'ALL_WEBHOOK', match: {}, continue: false };
const settings = (routes: Route[]): SlackSettings => ({ minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 20, detailSeverity: 'low', routes });

/** What routeWebhooks throws, or a failure when it throws nothing. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('defaultRouteUsed', () => {
  it('is true without routes, and with routes that each match only some findings', () => {
    expect(defaultRouteUsed(settings([]))).toBe(true);
    expect(defaultRouteUsed(settings([oncall]))).toBe(true);
  });

  it('is false once a route with an empty match takes every finding', () => {
    expect(defaultRouteUsed(settings([oncall, catchAll]))).toBe(false);
  });
});

describe('webhookEnvNames', () => {
  it('is SLACK_WEBHOOK_URL alone without routes', () => {
    expect(webhookEnvNames(settings([]))).toEqual(['SLACK_WEBHOOK_URL']);
  });

  it("lists SLACK_WEBHOOK_URL first, then each route's variable in order", () => {
    const security: Route = { ...oncall, name: 'security', webhookEnv: 'SECURITY_WEBHOOK' };
    expect(webhookEnvNames(settings([oncall, security]))).toEqual(['SLACK_WEBHOOK_URL', 'ONCALL_WEBHOOK', 'SECURITY_WEBHOOK']);
  });

  it('leaves SLACK_WEBHOOK_URL out when a catch-all route leaves it nothing to post', () => {
    expect(webhookEnvNames(settings([oncall, catchAll]))).toEqual(['ONCALL_WEBHOOK', 'ALL_WEBHOOK']);
  });
});

describe('routeWebhooks', () => {
  it('maps each route, and the default route, to its webhook', () => {
    const hooks = routeWebhooks(settings([oncall]), createSecrets({ ONCALL_WEBHOOK: 'https://hooks.slack.com/services/T1/B1/x', SLACK_WEBHOOK_URL: 'https://hooks.slack-gov.com/services/T2/B2/y' }), 'notify');
    expect([...hooks]).toEqual([
      ['oncall', 'https://hooks.slack.com/services/T1/B1/x'],
      ['default', 'https://hooks.slack-gov.com/services/T2/B2/y'],
    ]);
  });

  it('names the default webhook problem bare and a route problem with its route, all after the purpose, separated by "; "', () => {
    const error = thrown(() => routeWebhooks(settings([oncall]), createSecrets({ ONCALL_WEBHOOK: 'ftp://a.example/secretsecret' }), '--notify'));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      '--notify: route "oncall": ONCALL_WEBHOOK: expected an https:// URL (http:// only to a loopback address); SLACK_WEBHOOK_URL is not set (nor SLACK_WEBHOOK_URL_FILE)',
    );
  });

  it('checks each webhook against notify.slack.allowedHosts, naming the variable, never the URL', () => {
    const own = { ...settings([]), allowedHosts: ['chat.example.org'] };
    expect([...routeWebhooks(own, createSecrets({ SLACK_WEBHOOK_URL: 'https://chat.example.org/services/T/B/x' }), 'notify').keys()]).toEqual(['default']);
    const error = thrown(() => routeWebhooks(own, createSecrets({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/secretPart' }), '--notify'));
    expect((error as UsageError).message).toBe('--notify: SLACK_WEBHOOK_URL: its host is not one of notify.slack.allowedHosts (chat.example.org)');
  });

  it('lets an unexpected failure to read a secret through as it is', () => {
    const broken = new TypeError('disk on fire');
    const secrets: Secrets = {
      get: () => {
        throw broken;
      },
      known: () => [],
    };
    expect(thrown(() => routeWebhooks(settings([]), secrets, 'worker'))).toBe(broken);
  });
});
