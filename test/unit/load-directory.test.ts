import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadDirectory } from '../../src/config/load-directory.js';
import { createSecrets } from '../../src/config/secrets.js';
import type { DirectorySettings } from '../../src/config/config.js';

const fileSettings = (file: string, format: 'csv' | 'json' = 'csv'): DirectorySettings => ({
  file,
  url: null,
  tokenEnv: null,
  format,
  listsEveryActive: format === 'json',
  refreshMinutes: 60,
});

describe('loadDirectory', () => {
  it('answers unknown with no problem when no directory is configured', async () => {
    const d = await loadDirectory(null, { secrets: createSecrets({}) });
    expect(d.verdict('ann@example.com')).toEqual({ status: 'unknown' });
    expect(d.problem).toBeNull();
  });

  describe('a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'directory-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is read again when it changes, and only then', async () => {
      const path = join(dir, 'people.csv');
      writeFileSync(path, 'ann@example.com,active\n');
      utimesSync(path, 1_000, 1_000);
      const d = await loadDirectory(fileSettings(path), { secrets: createSecrets({}) });
      expect(d.verdict('ANN@example.com')).toEqual({ status: 'active' });

      // Same size and time: not read again (a change that leaves both is invisible, on purpose here).
      writeFileSync(path, 'ann@example.com,left\n\n\n');
      utimesSync(path, 1_000, 1_000);
      await d.refresh();
      expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });

      utimesSync(path, 2_000, 2_000);
      await d.refresh();
      expect(d.verdict('ann@example.com')).toEqual({ status: 'left', leftAt: null });
      expect(d.problem).toBeNull();
    });

    it('with fileCheckMs, is looked at once in that time however often refreshed: a change is seen after at most that long', async () => {
      const path = join(dir, 'checked.csv');
      writeFileSync(path, 'ann@example.com,active\n');
      utimesSync(path, 1_000, 1_000);
      let clock = 50_000;
      const d = await loadDirectory(fileSettings(path), { secrets: createSecrets({}), now: () => clock, fileCheckMs: 1000 });
      expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });

      writeFileSync(path, 'ann@example.com,left\n');
      utimesSync(path, 2_000, 2_000);
      clock += 999;
      await d.refresh();
      expect(d.verdict('ann@example.com')).toEqual({ status: 'active' }); // looked at 999 ms ago: not again yet

      clock += 1;
      await d.refresh();
      expect(d.verdict('ann@example.com')).toEqual({ status: 'left', leftAt: null });
    });

    it('says why it cannot be used, answers unknown rather than an old copy, and recovers', async () => {
      const path = join(dir, 'active.json');
      writeFileSync(path, '["ann@example.com"]');
      const d = await loadDirectory(fileSettings(path, 'json'), { secrets: createSecrets({}) });
      expect(d.verdict('bob@example.com')).toEqual({ status: 'absent' });

      writeFileSync(path, '["ann@example.com", "secret-bob@example"');
      utimesSync(path, 3_000, 3_000);
      await d.refresh();
      expect(d.problem).toBe(`issuers.directory: ${path}: not valid JSON; the issuer rules that need it are not evaluated`);
      expect(d.verdict('bob@example.com')).toEqual({ status: 'unknown' });
      expect(d.verdict('ann@example.com')).toEqual({ status: 'unknown' });

      rmSync(path);
      await d.refresh();
      expect(d.problem).toBe(`issuers.directory: ${path}: ENOENT; the issuer rules that need it are not evaluated`);

      writeFileSync(path, '["ann@example.com"]');
      await d.refresh();
      expect(d.problem).toBeNull();
      expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });
    });
  });

  describe('a URL', () => {
    let server: Server;
    let base = '';
    const seen: IncomingHttpHeaders[] = [];
    let status = 200;
    let body = 'ann@example.com,left,2026-10-31\n';
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(req.headers);
        res.writeHead(status, { 'content-type': 'text/csv' });
        res.end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('is fetched with the bearer token from its variable (or _FILE), at most every refreshMinutes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'directory-token-'));
      writeFileSync(join(dir, 'token'), 'hr-bearer-secret\n');
      let clock = 0;
      const settings: DirectorySettings = { file: null, url: `${base}/people.csv`, tokenEnv: 'HR_TOKEN', format: 'csv', listsEveryActive: false, refreshMinutes: 10 };
      seen.length = 0;
      const d = await loadDirectory(settings, { secrets: createSecrets({ HR_TOKEN_FILE: join(dir, 'token') }), now: () => clock });
      expect(seen.map((h) => h.authorization)).toEqual(['Bearer hr-bearer-secret']);
      expect(d.verdict('Ann@Example.com')).toEqual({ status: 'left', leftAt: '2026-10-31T00:00:00.000Z' });

      body = 'ann@example.com,active\n';
      clock = 10 * 60_000 - 1;
      await d.refresh();
      expect(seen).toHaveLength(1);
      expect(d.verdict('ann@example.com')).toEqual({ status: 'left', leftAt: '2026-10-31T00:00:00.000Z' });

      clock = 10 * 60_000;
      await d.refresh();
      expect(seen).toHaveLength(2);
      expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });
      rmSync(dir, { recursive: true, force: true });
    });

    it('says a refused fetch by the host and status, never the token, and waits refreshMinutes before asking again', async () => {
      let clock = 0;
      status = 401;
      seen.length = 0;
      const settings: DirectorySettings = { file: null, url: `${base}/people.csv?k=v`, tokenEnv: 'HR_TOKEN', format: 'csv', listsEveryActive: false, refreshMinutes: 5 };
      const d = await loadDirectory(settings, { secrets: createSecrets({ HR_TOKEN: 'hr-bearer-secret' }), now: () => clock });
      const host = new URL(base).host;
      expect(d.problem).toBe(`issuers.directory: ${host}: HTTP 401; the issuer rules that need it are not evaluated`);
      expect(d.verdict('ann@example.com')).toEqual({ status: 'unknown' });
      clock = 60_000;
      await d.refresh();
      expect(seen).toHaveLength(1);
      status = 200;
      clock = 5 * 60_000;
      await d.refresh();
      expect(seen).toHaveLength(2);
      expect(d.problem).toBeNull();
    });

    it('says a missing bearer variable by its name', async () => {
      const settings: DirectorySettings = { file: null, url: `${base}/p.csv`, tokenEnv: 'HR_TOKEN', format: 'csv', listsEveryActive: false, refreshMinutes: 5 };
      const d = await loadDirectory(settings, { secrets: createSecrets({}) });
      expect(d.problem).toBe(`issuers.directory: ${new URL(base).host}: HR_TOKEN is not set (nor HR_TOKEN_FILE); the issuer rules that need it are not evaluated`);
    });
  });
});
