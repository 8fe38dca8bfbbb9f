import { isLoopbackHost } from './loopback-host.js';

/** `notify.slack.allowedHosts` by default: the hosts Slack serves incoming webhooks from (commercial and GovSlack). */
export const DEFAULT_WEBHOOK_HOSTS: readonly string[] = ['hooks.slack.com', 'hooks.slack-gov.com'];

/**
 * The problem with a webhook variable's value, or null when it is fit to post to: an `https://` URL to one of
 * `allowedHosts`, or http(s) to a loopback address (tests, local stand-ins). Any other host would receive
 * every finding. The message names the variable, never the value (nor its host: it is part of the secret).
 */
export function checkWebhookUrl(name: string, value: string, allowedHosts: readonly string[] = DEFAULT_WEBHOOK_HOSTS): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: expected an https:// URL`;
  }
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    return null;
  }
  if (url.protocol !== 'https:') {
    return `${name}: expected an https:// URL (http:// only to a loopback address)`;
  }
  if (isLoopbackHost(url.hostname) || allowedHosts.includes(url.hostname.toLowerCase())) {
    return null;
  }
  return `${name}: its host is not one of notify.slack.allowedHosts (${allowedHosts.join(', ')})`;
}
