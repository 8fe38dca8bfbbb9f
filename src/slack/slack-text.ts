// Token names, descriptions and issuer fields are written by whoever created the token. In Slack mrkdwn,
// `<...>` makes mentions and links and `& < >` are the only characters Slack asks to escape; `* _ ~ \``
// would restyle the message, so a zero-width space is put around them to keep them literal.
const ZWSP = '\u200B';

/** Makes untrusted text inert in mrkdwn, on one line, at most `max` characters before escaping. */
export function slackText(value: string, max = 150): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  const cut = [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
  return cut
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([*_~`])/g, `${ZWSP}$1${ZWSP}`);
}

/** Cuts mrkdwn we built ourselves to `max` characters without splitting an escape entity. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp > cut.length - 6 && !cut.slice(amp).includes(';')) {
    cut = cut.slice(0, amp);
  }
  return `${cut}…`;
}
