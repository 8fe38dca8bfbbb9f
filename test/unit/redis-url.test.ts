import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/core/errors.js';
import { describeRedisError, isRefusedRedisError } from '../../src/store/describe-redis-error.js';
import { DEFAULT_CLUSTER_PREFIX, queueSettings, redisLabel } from '../../src/store/redis-connection.js';
import { maskRedisUrl, parseRedisUrl } from '../../src/store/redis-url.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = 'pa55-w0rd-secret';

describe('Redis URL', () => {
  it.each([
    [`redis://alice:${SECRET}@10.0.0.1:6380/2`, 'redis://alice:***@10.0.0.1:6380/2', { username: 'alice', password: SECRET, db: 2, tls: false }],
    [`redis://:${SECRET}@10.0.0.1`, 'redis://:***@10.0.0.1', { password: SECRET, db: 0 }],
    [`redis://${SECRET}@10.0.0.1:6379`, 'redis://***@10.0.0.1:6379', { password: SECRET }],
    [`rediss://10.0.0.1:6380?password=${SECRET}`, 'rediss://10.0.0.1:6380?password=***', { password: SECRET, tls: true }],
    [`rediss://alice:${encodeURIComponent('p@ss:w/rd!x')}@h:1`, 'rediss://alice:***@h:1', { username: 'alice', password: 'p@ss:w/rd!x', tls: true }],
  ])('%s: password masked, every form read', (url, masked, fields) => {
    expect(maskRedisUrl(url)).toBe(masked);
    expect(parseRedisUrl(url)).toMatchObject(fields);
  });

  it('a user part alone is a password (some providers write it so), never a username', () => {
    expect(parseRedisUrl(`redis://${SECRET}@h`).username).toBeUndefined();
  });

  it('something that is not a URL is not echoed: it may be a password pasted in the wrong place', () => {
    expect(maskRedisUrl(SECRET)).toBe('(REDIS_URL, not a URL)');
    expect(() => parseRedisUrl(SECRET)).toThrow(UsageError);
    try {
      parseRedisUrl(SECRET);
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it.each(['http://h:1', 'redis://h:1?tls=true', 'redis://h:1/x'])('%s is a usage error naming REDIS_URL', (url) => {
    expect(() => parseRedisUrl(url)).toThrow(/^REDIS_URL: /);
  });
});

describe('Redis URL, each part read', () => {
  it.each([
    ['redis://h', { host: 'h', port: 6379, tls: false, db: 0 }],
    ['rediss://h:6380/', { host: 'h', port: 6380, tls: true, db: 0 }],
    ['redis://[::1]:7000/3', { host: '::1', port: 7000, tls: false, db: 3 }],
    // `user:@`: a username with an empty password, not a password.
    ['redis://alice:@h', { host: 'h', port: 6379, tls: false, db: 0, username: 'alice' }],
    ['redis://a%40b:c%3Ad@h/99', { host: 'h', port: 6379, tls: false, db: 99, username: 'a@b', password: 'c:d' }],
    // The query wins over the user part and the path.
    ['redis://u:p@h/2?username=bob&db=07', { host: 'h', port: 6379, tls: false, db: 7, username: 'bob', password: 'p' }],
    ['redis://bob@h?password=a%40b', { host: 'h', port: 6379, tls: false, db: 0, password: 'a@b' }],
  ])('%s', (url, endpoint) => {
    expect(parseRedisUrl(url)).toStrictEqual(endpoint);
  });

  const outOfPlace = 'a # / or @ out of place: write a password with these characters URL-encoded (%23, %2F, %40)';
  const noDb = 'expected a database number (0 to 99) after the host';
  it.each([
    ['redis://:p@h#x', outOfPlace],
    ['redis://h:1/2#', outOfPlace],
    ['redis://h/a@b', outOfPlace],
    ['redis://h/1?password=a@b', outOfPlace],
    [`redis://h?user=${SECRET}`, 'an unknown parameter (known: password, username, db)'],
    ['redis://h/100', noDb],
    ['redis://h/1/', noDb],
    ['redis://h?db=', noDb],
    ['redis://h/-1', noDb],
  ])('%s: refused, the value not quoted', (url, problem) => {
    expect(() => parseRedisUrl(url)).toThrow(new UsageError(`REDIS_URL: ${problem}`));
  });

  it('a URL with a # / or @ out of place is not shown at all; a password in the query or a user part alone is masked', () => {
    expect(maskRedisUrl(`redis://:${SECRET}@h#x`)).toBe('(REDIS_URL, not shown: a # / or @ out of place)');
    expect(maskRedisUrl(`redis://h/1?password=a@${SECRET}`)).toBe('(REDIS_URL, not shown: a # / or @ out of place)');
    expect(maskRedisUrl(`redis://h/a@${SECRET}`)).toBe('(REDIS_URL, not shown: a # / or @ out of place)');
    expect(maskRedisUrl(`redis://bob@h?password=${SECRET}&db=5`)).toBe('redis://***@h?password=***&db=5');
    expect(maskRedisUrl('redis://h?username=bob')).toBe('redis://h?username=bob');
  });
});

describe('queue settings', () => {
  it('one Redis: the plain default prefix, no CA; REDIS_CLUSTER_NODES set empty is one Redis too', () => {
    expect(queueSettings({})).toStrictEqual({ redisUrl: 'redis://127.0.0.1:6379', clusterNodes: [], prefix: 'token-audit' });
    expect(queueSettings({ REDIS_CLUSTER_NODES: '' })).toStrictEqual({ redisUrl: 'redis://127.0.0.1:6379', clusterNodes: [], prefix: 'token-audit' });
  });

  it('a cluster: nodes parsed, and the default prefix is hash-tagged', () => {
    const s = queueSettings({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2.internal:7001,[::1]:7002' });
    expect(s.clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(s.prefix).toBe(DEFAULT_CLUSTER_PREFIX);
    expect(redisLabel(s)).toBe('Redis Cluster (10.0.0.1:7000,redis-2.internal:7001,::1:7002)');
  });

  it('a cluster with a prefix without a hash tag is a usage error that says why', () => {
    expect(() => queueSettings({ REDIS_CLUSTER_NODES: 'h:7000', QUEUE_PREFIX: 'audit' })).toThrow(
      /QUEUE_PREFIX: under Redis Cluster the prefix needs a hash tag in braces, e\.g\. "\{token-audit\}".*CROSSSLOT/,
    );
    expect(queueSettings({ REDIS_CLUSTER_NODES: 'h:7000', QUEUE_PREFIX: 'prod-{audit}' }).prefix).toBe('prod-{audit}');
    expect(() => queueSettings({ REDIS_CLUSTER_NODES: 'h:7000', QUEUE_PREFIX: 'a{}b' })).toThrow(UsageError);
  });

  it.each(['h', 'h:0', 'h:99999', 'redis://h:7000', ',', 'h:65536', 'h:123456', 'h:7000/0', 'h :7000'])('REDIS_CLUSTER_NODES=%s is a usage error', (nodes) => {
    expect(() => queueSettings({ REDIS_CLUSTER_NODES: nodes })).toThrow(/^REDIS_CLUSTER_NODES: /);
  });

  it('ports 1 and 65535 are ports; blanks around a node and empty entries are dropped', () => {
    expect(queueSettings({ REDIS_CLUSTER_NODES: ' h:1 ,, [fe80::1]:65535,' }).clusterNodes).toEqual([
      { host: 'h', port: 1 },
      { host: 'fe80::1', port: 65535 },
    ]);
  });

  it('a bad node is named by its place, never its text; commas alone are no node', () => {
    expect(() => queueSettings({ REDIS_CLUSTER_NODES: 'h:7000,s3cret-host' })).toThrow(
      new UsageError('REDIS_CLUSTER_NODES: expected host:port[,host:port...]; node 2 is not one'),
    );
    expect(() => queueSettings({ REDIS_CLUSTER_NODES: ' , ,' })).toThrow(new UsageError('REDIS_CLUSTER_NODES: expected host:port[,host:port...], got no node'));
  });

  it('REDIS_TLS_CA_FILE that cannot be read is a usage error naming it', () => {
    expect(() => queueSettings({ REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/^REDIS_TLS_CA_FILE names a file that cannot be read \(ENOENT\)/);
  });

  it('REDIS_TLS_CA_FILE: its text is the CA when it holds a PEM certificate, else a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ca-'));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'ca.pem'), pem);
    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
    expect(queueSettings({ REDIS_TLS_CA_FILE: join(dir, 'ca.pem') })).toStrictEqual({ redisUrl: 'redis://127.0.0.1:6379', clusterNodes: [], prefix: 'token-audit', tlsCa: pem });
    expect(() => queueSettings({ REDIS_TLS_CA_FILE: join(dir, 'key.pem') })).toThrow(new UsageError('REDIS_TLS_CA_FILE: expected PEM certificates, found none in the file'));
  });
});

describe('Redis errors as one line', () => {
  const url = `redis://alice:${SECRET}@h:1`;
  it.each([
    [new Error('WRONGPASS invalid username-password pair or user is disabled.'), /was refused \(WRONGPASS\)$/],
    [new Error('NOAUTH Authentication required.'), /a password is required.*\(NOAUTH\)$/],
    [Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), /^TLS failed \(SELF_SIGNED_CERT_IN_CHAIN\).*REDIS_TLS_CA_FILE/],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), /^connection refused \(ECONNREFUSED\): nothing listens there$/],
    [new Error('Failed to refresh slots cache.'), /^no node of REDIS_CLUSTER_NODES could be reached \(Failed to refresh slots cache\)$/],
    [Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), /^connect ETIMEDOUT \(ETIMEDOUT\)$/],
  ])('Redis error %#', (error, expected) => {
    const line = describeRedisError(error, url);
    expect(line).toMatch(expected);
    expect(line).not.toContain('\n');
  });

  it('a refusal (nothing listens) is told from the errors a wait can cure', () => {
    expect(isRefusedRedisError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRefusedRedisError(new Error('Failed to refresh slots cache.'))).toBe(true);
    expect(isRefusedRedisError(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }))).toBe(false);
    expect(isRefusedRedisError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
  });

  it('a password echoed back by a server or proxy is masked, raw and URL-encoded', () => {
    const line = describeRedisError(new Error(`ERR proxy: bad auth ${SECRET} / ${encodeURIComponent('p@ss:w/rd!x')}`), `redis://:${encodeURIComponent('p@ss:w/rd!x')}@h`);
    expect(line).not.toContain('p@ss:w/rd!x');
    expect(line).not.toContain(encodeURIComponent('p@ss:w/rd!x'));
  });
});

describe('REDIS_PASSWORD and REDIS_PASSWORD_FILE', () => {
  const secretFile = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'redis-pass-')), 'redis_password');
    writeFileSync(path, text);
    return path;
  };
  const odd = 'p@ss#w/rd %41:x';

  it('the password joins a REDIS_URL naming only the host, every character kept, masked where shown', () => {
    for (const env of [{ REDIS_PASSWORD_FILE: secretFile(`${odd}\n`) }, { REDIS_PASSWORD: odd }]) {
      const { redisUrl } = queueSettings({ REDIS_URL: 'rediss://10.0.0.1:6380/2', ...env });
      expect(parseRedisUrl(redisUrl)).toMatchObject({ host: '10.0.0.1', port: 6380, db: 2, tls: true, password: odd });
      expect(redisUrl).not.toContain(odd);
      expect(maskRedisUrl(redisUrl)).toBe('rediss://:***@10.0.0.1:6380/2');
    }
    expect(queueSettings({ REDIS_URL: 'redis://10.0.0.1' }).redisUrl).toBe('redis://10.0.0.1');
  });

  it('a password given twice, or a file that cannot be read, is a usage error naming the variables only', () => {
    expect(() => queueSettings({ REDIS_URL: `redis://:${SECRET}@10.0.0.1`, REDIS_PASSWORD: odd })).toThrow(
      new UsageError('REDIS_URL holds a password and REDIS_PASSWORD (or REDIS_PASSWORD_FILE) gives one too: give it once'),
    );
    expect(() => queueSettings({ REDIS_PASSWORD: odd, REDIS_PASSWORD_FILE: secretFile(odd) })).toThrow(new UsageError('both REDIS_PASSWORD and REDIS_PASSWORD_FILE are set: set only one'));
    expect(() => queueSettings({ REDIS_PASSWORD_FILE: `/run/secrets/${SECRET}` })).toThrow(new UsageError('REDIS_PASSWORD_FILE names a file that cannot be read (ENOENT)'));
  });
});

