import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

// No Docker engine runs here: these checks keep the files consistent with the repository
// (CI also validates the compose file with docker-compose config).
describe('container files', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages.at(-1) ?? '';

  it('copies only paths that exist', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(source)).toBe(true);
    }
  });

  it('runs as a non-root user under an init, on a supported LTS, with a health check', () => {
    expect(stages.every((s) => s.startsWith('node:22-slim'))).toBe(true);
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "dist\/src\/cli\.js"\]$/m);
    expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(final).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
  });

  it('starts the built CLI the package declares', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['gcore-token-audit']).toBe('dist/src/cli.js');
  });

  it('compose: redis with AOF and noeviction, the worker after it, secrets as files', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    const { redis, worker } = compose.services;
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(worker?.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(worker?.ports).toBeUndefined(); // a host port would stop --scale worker=3
    expect(worker?.container_name).toBeUndefined();
    const env = worker?.environment as Record<string, string>;
    expect(env.GCORE_API_KEY_FILE).toBe('/run/secrets/gcore_api_key');
    expect(env.SLACK_WEBHOOK_URL_FILE).toBe('/run/secrets/slack_webhook_url');
    expect(existsSync('.env.example')).toBe(true);
  });
});
