// Token names, descriptions, owners and issuer fields are written by whoever created the token. They go into
// `plain_text` objects, which Slack shows literally: no mention, no link, no formatting. What is left to do is
// what Slack asks of all text (`& < >` escaped) and what a reader needs: no control characters, no bidi
// overrides that reorder what is shown (U+202E), no zero-width characters that hide what is there.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

/** Untrusted text made inert and visible, on one line, at most `max` characters before escaping. */
export function slackText(value: string, max = 150): string {
  const flat = value.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  const cut = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
  return escapeSlack(cut);
}

/** The three characters Slack requires escaped in any text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text we built ourselves to `max` characters without splitting an escape entity. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && amp > cut.length - 6 && !cut.slice(amp).includes(';')) {
    cut = cut.slice(0, amp);
  }
  return `${cut}…`;
}
