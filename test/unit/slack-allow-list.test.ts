import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { makeAllowList } from '../../src/app/slack-actions/slack-allow-list.js';
import { recordingWeb } from '../support/slack-payloads.js';
import { logSink } from '../support/log-sink.js';

describe('makeAllowList', () => {
  it('admits listed users and the members of listed groups, asking Slack again only after the cache time', async () => {
    const { web, calls } = recordingWeb({ S0SEC: ['UCAROL01'] });
    let now = new Date('2026-12-05T09:00:00Z');
    const allowed = makeAllowList({ users: ['UALICE01'], userGroups: ['S0SEC'] }, web, () => now, pino({ level: 'silent' }), 60_000);
    expect(await allowed('UALICE01')).toBe(true);
    expect(calls.groupLookups).toBe(0);
    expect([await allowed('UCAROL01'), await allowed('UEVE0001'), await allowed('UCAROL01')]).toEqual([true, false, true]);
    expect(calls.groupLookups).toBe(1);
    now = new Date(now.getTime() + 60_000);
    expect(await allowed('UCAROL01')).toBe(true);
    expect(calls.groupLookups).toBe(2);
  });

  it('fails closed when Slack cannot list a group, and says so in the log', async () => {
    const { web } = recordingWeb({ S0SEC: ['UCAROL01'] });
    const logs = logSink();
    const allowed = makeAllowList({ users: [], userGroups: ['S0GONE', 'S0SEC'] }, web, () => new Date(), pino({ level: 'warn' }, logs));
    expect(await allowed('UEVE0001')).toBe(false);
    expect(await allowed('UCAROL01')).toBe(true);
    expect(logs.text()).toContain('a user group of actions.allowed could not be listed: its members are refused');
  });
});
