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
    // Pinned to a release, not a moving tag: what is deployed is what was reviewed.
    expect(stages.every((s) => /^node:22\.\d+\.\d+-bookworm-slim\b/.test(s))).toBe(true);
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "dist\/src\/app\/main\.js"\]$/m);
    expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(final).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
  });

  it('starts the built CLI the package declares', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['gcore-token-audit']).toBe('dist/src/app/main.js');
  });

  it('compose: redis with AOF and noeviction, the worker after it, secrets as files', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    const { redis, worker } = compose.services;
    expect(redis?.image).toMatch(/^redis:7\.4\.\d+-alpine$/);
    const command = (redis?.command as string[]).join(' ');
    expect(command).toMatch(/redis-server \S+ --appendonly yes --appendfsync everysec --maxmemory-policy noeviction$/);
    expect(worker?.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(worker?.ports).toBeUndefined(); // a host port would stop --scale worker=3
    expect(worker?.container_name).toBeUndefined();
    const env = worker?.environment as Record<string, string>;
    expect(env.GCORE_API_KEY_FILE).toBe('/run/secrets/gcore_api_key');
    expect(env.SLACK_WEBHOOK_URL_FILE).toBe('/run/secrets/slack_webhook_url');
    expect(existsSync('.env.example')).toBe(true);
  });

  it('compose: Redis requires the password of a Docker secret, which is never written in the file nor on a command line', () => {
    const text = readFileSync('docker-compose.yml', 'utf8');
    const compose = parse(text) as {
      services: Record<string, Record<string, unknown>>;
      secrets: Record<string, { file: string }>;
    };
    const { redis, worker } = compose.services;
    expect(compose.secrets.redis_password).toEqual({ file: './secrets/redis_password' });
    expect(redis?.secrets).toEqual(['redis_password']);
    expect(worker?.secrets).toEqual(expect.arrayContaining(['redis_password']));
    // requirepass comes from the secret, through a config file on tmpfs, not an argument of redis-server.
    const command = (redis?.command as string[]).join(' ');
    expect(command).toMatch(/requirepass .*\$\$\(cat \/run\/secrets\/redis_password\)"? > (\/run\/redis-auth\/redis\.conf)/);
    expect(command).toContain('redis-server /run/redis-auth/redis.conf');
    expect(command).not.toMatch(/--requirepass/);
    expect(redis?.tmpfs).toEqual(['/run/redis-auth']);
    // The health check authenticates the same way, through REDISCLI_AUTH rather than -a.
    expect((redis?.healthcheck as { test: string[] }).test.join(' ')).toMatch(/REDISCLI_AUTH="\$\$\(cat \/run\/secrets\/redis_password\)" redis-cli ping/);
    // The worker's REDIS_URL names the host only; the password joins it from REDIS_PASSWORD_FILE.
    const env = worker?.environment as Record<string, string>;
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.REDIS_PASSWORD_FILE).toBe('/run/secrets/redis_password');
    expect(text).not.toMatch(/redis:\/\/[^\s@]*@/);
    expect(text).not.toMatch(/REDIS_PASSWORD:/);
    // CI validates the file with placeholder secrets: one for each.
    const ci = readFileSync('.ci/run', 'utf8');
    for (const name of Object.keys(compose.secrets)) {
      expect(ci).toContain(`"$scratch/secrets/${name}"`);
    }
  });
});
