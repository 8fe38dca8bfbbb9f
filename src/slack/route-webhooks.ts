import { SecretError, UsageError } from '../core/errors.js';
import type { Secrets } from '../config/secrets.js';
import type { SlackSettings } from '../config/config.js';
import { DEFAULT_ROUTE } from '../alerts/route-findings.js';

export const DEFAULT_WEBHOOK_ENV = 'SLACK_WEBHOOK_URL';

/** Whether any finding can reach the default route: not when a route with an empty `match` takes everything. */
export function defaultRouteUsed(settings: SlackSettings): boolean {
  return !settings.routes.some((r) => Object.keys(r.match).length === 0);
}

/** An https URL, or http on a loopback host (tests, stand-ins). Never echoes the value: it is a secret. */
export function checkWebhookUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} is not a URL`);
  }
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UsageError(`${name} must be an https:// URL (http:// only for a loopback host)`);
  }
}

/**
 * The webhook of every route that can be posted to, by route name, read and checked at start so that a missing
 * or malformed one stops the command before it audits anything. Names every problem at once.
 */
export function routeWebhooks(settings: SlackSettings, secrets: Secrets): Map<string, string> {
  const wanted: [string, string][] = settings.routes.map((r) => [r.name, r.webhookEnv]);
  if (defaultRouteUsed(settings)) {
    wanted.push([DEFAULT_ROUTE, DEFAULT_WEBHOOK_ENV]);
  }
  const out = new Map<string, string>();
  const problems: string[] = [];
  for (const [route, env] of wanted) {
    try {
      const url = secrets.get(env);
      checkWebhookUrl(env, url);
      out.set(route, url);
    } catch (error) {
      if (error instanceof SecretError || error instanceof UsageError) {
        problems.push(route === DEFAULT_ROUTE ? error.message : `route "${route}": ${error.message}`);
      } else {
        throw error;
      }
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`Slack webhooks: ${problems.join('; ')}`);
  }
  return out;
}
