import { afterEach, describe, expect, it } from '@jest/globals';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BLIND = 100005;
const BLIND_KEY = '100005_second-account-key';
const BLIND_TOKENS = Array.from({ length: 10 }, (_, i) => 501 + i);
const getsOf = (x: Harness, clientId: number) => x.gcore.requests.filter((r) => new RegExp(`/clients/${clientId}/tokens/\\d+$`).test(r)).length;
/** The digest posted for the last run: its header, and its whole text. */
const lastDigest = (x: Harness, from: number) => {
  const posts = x.slack.accepted().slice(from);
  return { header: posts[0]?.body.text ?? '', raw: posts.map((p) => p.raw).join('\n') };
};

describe('one cause, one alert: an account whose key is refused', () => {
  it('is one coverage gap, asks nothing of its tokens after the refusal, keeps their findings open, and says "coverage restored" once', async () => {
    h = await workerHarness({
      tokens: 3,
      // concurrency 1: one token read at a time, so "after the refusal" is every read but the first
      config: `gcore: { concurrency: 1, concurrencyPerWorker: 1, retries: 0 }
accounts:
  - { clientId: 456 }
  - { clientId: ${BLIND}, apiKeyEnv: GCORE_API_KEY_${BLIND}, discover: false, tokens: [${BLIND_TOKENS.join(', ')}] }
`,
      env: { [`GCORE_API_KEY_${BLIND}`]: BLIND_KEY },
    });
    h.gcore.keys.set(BLIND_KEY, BLIND);
    h.gcore.accounts.set(BLIND, new Map(BLIND_TOKENS.map((id) => [id, gcoreToken(id, { exp_date: null }, BLIND)])));
    await h.startWorker();

    const first = await h.trigger();
    expect(first.code).toBe(0);
    const before = lastDigest(h, 0).header;
    expect(before).toMatch(/13 open/);

    // The key is revoked.
    h.gcore.keys.delete(BLIND_KEY);
    const posted = h.slack.accepted().length;
    const requests = h.gcore.requests.length;
    const second = await h.trigger();
    expect(second.code).toBe(0);
    expect(second.report?.findings.filter((f) => f.clientId === BLIND).map((f) => [f.rule, f.message])).toEqual([
      ['coverage-gap', `Not fully audited: GCORE_API_KEY_${BLIND} was rejected (401).`],
    ]);
    const blindGets = h.gcore.requests.slice(requests).filter((r) => r.includes(`/clients/${BLIND}/tokens/`));
    expect(blindGets).toHaveLength(1); // the refusal itself; every other token of the account held without a request
    const during = lastDigest(h, posted);
    // Open unchanged but for the gap: the ten held tokens still count, the gap is the one new (high) finding.
    expect(during.header).toMatch(/14 open/);
    expect(during.raw).toContain('coverage-gap');
    expect(during.raw).not.toContain('audit-failed');
    expect(during.raw).not.toContain('Resolved');

    // The key works again.
    h.gcore.keys.set(BLIND_KEY, BLIND);
    const postedBefore = h.slack.accepted().length;
    const third = await h.trigger();
    expect(third.code).toBe(0);
    const after = lastDigest(h, postedBefore);
    expect(after.header).toMatch(/13 open/);
    expect(after.raw.match(/coverage restored/g)).toHaveLength(1);
    expect(after.raw).not.toMatch(/audited again|policy changed/);
    expect(getsOf(h, BLIND)).toBeGreaterThan(1);
  });
});
