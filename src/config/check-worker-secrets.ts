import { ConfigError, SecretError } from '../core/errors.js';
import { checkWebhookUrl } from '../core/check-webhook-url.js';
import type { Config } from './config.js';
import type { Secrets } from './secrets.js';

/**
 * What the worker checks before it starts, so a missing key shows at once rather than at the next cron slot:
 * every account's key variable (or its `_FILE`) is set, and each of `webhookNames` (SLACK_WEBHOOK_URL and
 * the routes', see webhookEnvNames) holds a webhook URL. Throws a ConfigError listing every problem.
 */
export function checkWorkerSecrets(config: Config, secrets: Secrets, webhookNames: readonly string[]): void {
  const problems: string[] = [];
  const read = (name: string, what: string): string | null => {
    try {
      return secrets.get(name);
    } catch (error) {
      if (error instanceof SecretError) {
        problems.push(`${error.message}: ${what}`);
        return null;
      }
      throw error;
    }
  };
  const keyNames = new Map<string, string[]>();
  for (const a of config.accounts) {
    keyNames.set(a.apiKeyEnv, [...(keyNames.get(a.apiKeyEnv) ?? []), a.clientId === null ? 'the account' : `account ${a.clientId}`]);
  }
  for (const [name, accounts] of keyNames) {
    read(name, `the API key of ${accounts.join(', ')}`);
  }
  for (const name of new Set(webhookNames)) {
    const value = read(name, 'the worker posts to Slack');
    const problem = value === null ? null : checkWebhookUrl(name, value, config.notify.slack.allowedHosts);
    if (problem !== null) {
      problems.push(problem);
    }
  }
  if (config.actions?.interactive === true) {
    // Acting from Slack: each token of its kind, said without its value (a bot token in the app's place would
    // fail at Slack with a message nobody connects to the swap).
    for (const [name, prefix, what] of [['SLACK_APP_TOKEN', 'xapp-', 'an app-level token'], ['SLACK_BOT_TOKEN', 'xoxb-', 'a bot token']] as const) {
      const value = read(name, 'the worker acts from Slack');
      if (value !== null && !value.startsWith(prefix)) {
        problems.push(`${name}: expected ${what} (${prefix}…)`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
}
