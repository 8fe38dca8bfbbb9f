import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadDirectory } from '../../src/config/load-directory.js';
import { createSecrets } from '../../src/config/secrets.js';

// A directory file that goes away and comes back is read again, even with the time and size it had: the
// problem it left would otherwise stay until the file changes again.
const dir = mkdtempSync(join(tmpdir(), 'directory-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadDirectory from a file', () => {
  it('reads a file put back as it was after it went missing', async () => {
    const path = join(dir, 'people.csv');
    const put = () => {
      writeFileSync(path, 'ann@example.com,active\n');
      utimesSync(path, 1_000, 1_000);
    };
    put();
    const d = await loadDirectory({ file: path, url: null, tokenEnv: null, format: 'csv', listsEveryActive: false, refreshMinutes: 60 }, { secrets: createSecrets({}) });
    expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });

    rmSync(path);
    await d.refresh();
    expect(d.problem).toBe(`issuers.directory: ${path}: ENOENT; the issuer rules that need it are not evaluated`);
    expect(d.verdict('ann@example.com')).toEqual({ status: 'unknown' });

    put();
    await d.refresh();
    expect(d.problem).toBeNull();
    expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });
  });

  it('reads the file at the first load even on a clock at 0 with fileCheckMs', async () => {
    const path = join(dir, 'first.csv');
    writeFileSync(path, 'ann@example.com,active\n');
    const d = await loadDirectory({ file: path, url: null, tokenEnv: null, format: 'csv', listsEveryActive: false, refreshMinutes: 60 }, { secrets: createSecrets({}), now: () => 0, fileCheckMs: 1000 });
    expect(d.verdict('ann@example.com')).toEqual({ status: 'active' });
  });
});
