import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { samplePayloads } from '../support/sample-payloads.js';

// What Slack was sent before the Slack actions existed, recorded from the code of that time: without the app
// tokens (no `actions` settings), every payload must stay byte for byte what it was.
const GOLDEN = new URL('./golden/payloads-without-actions.json', import.meta.url);

describe('payloads without the Slack app tokens', () => {
  it('are byte for byte what they were before the actions existed', () => {
    const now = JSON.stringify(samplePayloads(), null, 1);
    expect(`${now}\n`).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
