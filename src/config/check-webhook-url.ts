import { isLoopbackHost } from './loopback-host.js';

/**
 * The problem with a webhook variable's value, or null when it is fit to post to: an `https://` URL, or
 * `http://` to a loopback address (tests, local stand-ins). The message names the variable, never the value.
 */
export function checkWebhookUrl(name: string, value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: expected an https:// URL`;
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return null;
  }
  return `${name}: expected an https:// URL (http:// only to a loopback address)`;
}
