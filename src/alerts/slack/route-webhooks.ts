import { SecretError, UsageError } from '../../core/errors.js';
import type { SlackSettings } from '../slack-settings.js';
import { DEFAULT_ROUTE } from '../route-findings.js';
import { checkWebhookUrl } from '../../core/check-webhook-url.js';

/** Where webhooks are read from: config's Secrets fits it (alerts does not import config). */
export interface WebhookSecrets {
  get(name: string): string;
}

export const DEFAULT_WEBHOOK_ENV = 'SLACK_WEBHOOK_URL';

/** Whether any finding can reach the default route: not when a route with an empty `match` takes everything. */
export function defaultRouteUsed(settings: SlackSettings): boolean {
  return !settings.routes.some((r) => Object.keys(r.match).length === 0);
}

/** The variables holding the webhooks a run can post to: each route's, and SLACK_WEBHOOK_URL unless no finding can reach it. */
export function webhookEnvNames(settings: SlackSettings): string[] {
  return [...(defaultRouteUsed(settings) ? [DEFAULT_WEBHOOK_ENV] : []), ...settings.routes.map((r) => r.webhookEnv)];
}

/** Every route a run can post to, with its webhook's variable: each configured route, then the default unless a catch-all route leaves it unused. */
export function postableRoutes(settings: SlackSettings): { route: string; env: string }[] {
  const routes = settings.routes.map((r) => ({ route: r.name, env: r.webhookEnv }));
  return defaultRouteUsed(settings) ? [...routes, { route: DEFAULT_ROUTE, env: DEFAULT_WEBHOOK_ENV }] : routes;
}

/**
 * The webhook of every route that can be posted to, by route name, read and checked at start so that a missing
 * or malformed one stops the command before it audits anything. Names every problem at once, after `purpose`.
 */
export function routeWebhooks(settings: SlackSettings, secrets: WebhookSecrets, purpose: string): Map<string, string> {
  const out = new Map<string, string>();
  const problems: string[] = [];
  for (const { route, env } of postableRoutes(settings)) {
    try {
      const url = secrets.get(env);
      const problem = checkWebhookUrl(env, url, settings.allowedHosts);
      if (problem !== null) {
        throw new UsageError(problem);
      }
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
    throw new UsageError(`${purpose}: ${problems.join('; ')}`);
  }
  return out;
}
