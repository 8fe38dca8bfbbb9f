import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { CLI, runCliProcess } from '../support/worker-process.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-process-'));
const config = join(dir, 'audit.yaml');
writeFileSync(config, 'accounts: [{ clientId: 456 }]\n');

/** An export of `count` never-expiring tokens: one finding each, a report of megabytes. */
function bigExport(count: number): string {
  const file = join(dir, `export-${count}.json`);
  writeFileSync(file, JSON.stringify({ clientId: 456, tokens: Array.from({ length: count }, (_, i) => gcoreToken(1000 + i, { exp_date: null })) }));
  return file;
}

const ARGS = ['audit', '--config', config, '--now', '2026-11-29T12:00:00Z', '--format', 'json'];

describe('the CLI as a process', () => {
  it('writes a report of megabytes whole through a pipe, and exits with its code', async () => {
    const run = await runCliProcess([...ARGS, '--input', bigExport(5000), '--fail-on', 'medium'], {});
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as { summary: { tokensAudited: number; findings: number } };
    expect(report.summary.tokensAudited).toBe(5000);
    expect(report.summary.findings).toBe(5000);
  });

  it('a reader that stops early (| head) ends the audit quietly, with the audit\'s exit code', async () => {
    const child = spawn(process.execPath, [CLI, ...ARGS, '--input', bigExport(5000), '--fail-on', 'medium'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(3);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr.trim().split('\n').every((line) => line.startsWith('{'))).toBe(true);
  });
});
