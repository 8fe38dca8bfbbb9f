import { describe, expect, it } from '@jest/globals';
import { loadDirectory } from '../../src/config/load-directory.js';
import { createSecrets } from '../../src/config/secrets.js';
import type { DirectorySettings } from '../../src/config/config.js';

// The directory's URL, against an injected fetch: what is asked of the host (the format's type, the bearer
// token only when named, no redirect, a bounded wait) and what is refused (a body over 1 MB, a failed fetch).
const URL_SETTINGS: DirectorySettings = { file: null, url: 'https://hr.example.com/people.csv', tokenEnv: null, format: 'csv', listsEveryActive: false, refreshMinutes: 5 };
const PROBLEM_END = '; the issuer rules that need it are not evaluated';

interface Call {
  readonly url: string;
  readonly init: RequestInit;
}

function fetchAnswering(answer: () => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fake: typeof fetch = async (url, init) => {
    calls.push({ url: url instanceof Request ? url.url : url.toString(), init: init ?? {} });
    return answer();
  };
  return { fetch: fake, calls };
}

describe('loadDirectory from a URL', () => {
  it('asks for CSV without an Authorization header when no token is named, refuses redirects and bounds the wait', async () => {
    const { fetch, calls } = fetchAnswering(() => new Response('ann@example.com,active\n'));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch });
    expect(d.problem).toBeNull();
    expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://hr.example.com/people.csv');
    expect(calls[0]?.init.headers).toEqual({ accept: 'text/csv' });
    expect(calls[0]?.init.redirect).toBe('error');
    expect(calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
    expect(calls[0]?.init.signal?.aborted).toBe(false);
  });

  it('asks for JSON when the format is JSON', async () => {
    const { fetch, calls } = fetchAnswering(() => new Response('["ann@example.com"]'));
    const d = await loadDirectory({ ...URL_SETTINGS, format: 'json', listsEveryActive: true }, { secrets: createSecrets({}), fetch });
    expect(calls[0]?.init.headers).toEqual({ accept: 'application/json' });
    expect(d.verdict('bob@example.com')).toEqual({ status: 'absent' });
  });

  it('refuses a body over 1 MB, by the host', async () => {
    const { fetch } = fetchAnswering(() => new Response(`${'x'.repeat(1024 * 1024)}\n`));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch });
    expect(d.problem).toBe(`issuers.directory: hr.example.com: larger than 1 MB${PROBLEM_END}`);
    expect(d.verdict('ann@example.com')).toEqual({ status: 'unknown' });
  });

  it('takes a body of exactly 1 MB', async () => {
    const line = 'ann@example.com,active\n';
    const { fetch } = fetchAnswering(() => new Response(`${line}${'#'.repeat(1024 * 1024 - line.length - 1)}\n`));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch });
    expect(d.problem).toBeNull();
  });

  it('says a fetch that fails (no answer, a redirect, the timeout) as "cannot be fetched", never its own words', async () => {
    const { fetch } = fetchAnswering(() => Promise.reject(new TypeError('fetch failed: connect ECONNREFUSED 10.0.0.1 secret-path')));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch });
    expect(d.problem).toBe(`issuers.directory: hr.example.com: cannot be fetched${PROBLEM_END}`);
  });

  it('says a refused answer without a body by its status', async () => {
    const { fetch } = fetchAnswering(() => new Response(null, { status: 503 }));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch });
    expect(d.problem).toBe(`issuers.directory: hr.example.com: HTTP 503${PROBLEM_END}`);
  });

  it('waits refreshMinutes from the last fetch on a clock of today', async () => {
    let clock = Date.parse('2026-12-05T08:00:00Z');
    const { fetch, calls } = fetchAnswering(() => new Response('ann@example.com,active\n'));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch, now: () => clock });
    clock += 5 * 60_000 - 1;
    await d.refresh();
    expect(calls).toHaveLength(1);
    clock += 1;
    await d.refresh();
    expect(calls).toHaveLength(2);
  });

  it('drops the body of a refused answer', async () => {
    let cancelled = false;
    const body = new ReadableStream({
      cancel() {
        cancelled = true;
      },
    });
    const { fetch } = fetchAnswering(() => new Response(body, { status: 503 }));
    const d = await loadDirectory(URL_SETTINGS, { secrets: createSecrets({}), fetch });
    expect(d.problem).toBe(`issuers.directory: hr.example.com: HTTP 503${PROBLEM_END}`);
    expect(cancelled).toBe(true);
  });
});
