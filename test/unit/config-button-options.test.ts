import { describe, expect, it } from '@jest/globals';
import { buttonOptionsOf } from '../../src/config/button-options.js';
import { parseConfig } from '../../src/config/load-config.js';

// A Config built before `actions` or `remediation` existed (absent keys) means no buttons, and no Request
// revocation button.
const BOTH = { SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' };

describe('buttonOptionsOf', () => {
  it('gives no buttons to a configuration without actions', () => {
    expect(buttonOptionsOf({ ...parseConfig({}, BOTH), actions: undefined })).toBeUndefined();
  });

  it('gives no Request revocation button to a configuration without remediation', () => {
    expect(buttonOptionsOf({ ...parseConfig({}, BOTH), remediation: undefined })).toEqual({ remediation: false });
  });
});
