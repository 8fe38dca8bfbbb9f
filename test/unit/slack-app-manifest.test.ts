import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const manifest = parse(readFileSync(new URL('../../deploy/slack-app-manifest.yaml', import.meta.url), 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: Record<string, unknown> & { interactivity: Record<string, unknown> };
};

describe('the Slack app manifest (deploy/slack-app-manifest.yaml)', () => {
  it('turns on Socket Mode and interactivity, with no public request URL', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
    expect(JSON.stringify(manifest)).not.toContain('request_url');
  });

  it('asks for the bot scopes the actions use, and no other', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'incoming-webhook', 'usergroups:read']);
  });
});
