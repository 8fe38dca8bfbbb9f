import { cleanText } from '../../core/clean-text.js';

// Token names, descriptions, owners and issuer fields are written by whoever created the token. They go into
// `plain_text` objects, which Slack shows literally: no mention, no link, no formatting. What is left to do is
// what Slack asks of all text (`& < >` escaped) and what a reader needs: nothing invisible (cleanText), one
// line, and a bounded length. The bound is on the text as posted, after escaping: `&` is five characters in
// the payload, and Slack's limits count the payload.

/**
 * Untrusted text made inert and visible, on one line, at most `max` characters (UTF-16 units, as Slack's
 * limits and `String.length` count them) once escaped, cut with an ellipsis.
 */
export function slackText(value: string, max = 150): string {
  return fitText(escapeSlack(cleanText(value)), max);
}

/** The three characters Slack requires escaped in any text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cuts escaped text to `max` characters (UTF-16 units), the ellipsis included, without splitting an escape
 * entity, a surrogate pair (half an emoji) or one of our own `<url|label>` links.
 */
export function fitText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && amp > cut.length - 6 && !cut.slice(amp).includes(';')) {
    cut = cut.slice(0, amp);
  }
  // In escaped text a `<` only opens a link we wrote: a cut one would show its raw markup.
  const open = cut.lastIndexOf('<');
  if (open >= 0 && !cut.slice(open).includes('>')) {
    cut = cut.slice(0, open);
  }
  if (/[\ud800-\udbff]$/.test(cut)) {
    cut = cut.slice(0, -1);
  }
  return `${cut}…`;
}
