import { describe, expect, it } from '@jest/globals';
import { createSecrets } from '../../src/config/secrets.js';
import { REDACTED, redact } from '../../src/core/redact.js';
import { redactJobError } from '../../src/app/worker/redact-job-error.js';

const WEBHOOK = 'https://hooks.slack.com/services/T0ABC123/B0DEF456/Xy7zQwErTyUiOp9aSdFgHj';
const SECRET_PART = 'Xy7zQwErTyUiOp9aSdFgHj';

/** Neither the secret nor any 8 characters of it in a row. */
function expectNoSlice(text: string, secret: string): void {
  for (let i = 0; i + 8 <= secret.length; i += 1) {
    expect(text).not.toContain(secret.slice(i, i + 8));
  }
}

describe('a job error quoting Slack is stored without the webhook', () => {
  // What BullMQ keeps in Redis (failedReason, stacktrace, the failed event) is the error's message and stack.
  it.each([
    ['HTML entities', WEBHOOK.replace(/\//g, '&#x2F;').replace(/:/g, '&#58;')],
    ['decimal entities, & escaped', WEBHOOK.replace(/\//g, '&amp;#47;')],
    ['URL-encoded', encodeURIComponent(WEBHOOK)],
    ['URL-encoded twice', encodeURIComponent(encodeURIComponent(WEBHOOK))],
    ['mixed', WEBHOOK.replace('/services/', '&#47;services%2F').replace('/B0', '&sol;B0')],
    ['path only, entities', '&#47;services&#47;T0ABC123&#47;B0DEF456&#47;Xy7zQwErTyUiOp9aSdFgHj'],
  ])('echoed in %s', (_how, echoed) => {
    const secrets = createSecrets({ SLACK_WEBHOOK_URL: WEBHOOK });
    secrets.get('SLACK_WEBHOOK_URL');
    const error = new Error(`Slack answered 404: <html><body>no_service: POST ${echoed}</body></html>`);
    const stored = redactJobError(error, (text) => redact(text, secrets.known()));
    expect(stored).toBe(error);
    expect(error.message).toContain(REDACTED);
    expectNoSlice(error.message, SECRET_PART);
    expectNoSlice(error.stack ?? '', SECRET_PART);
  });
});
