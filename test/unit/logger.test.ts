import { describe, expect, it } from '@jest/globals';
import { ConfigError, GcoreAuthError } from '../../src/core/errors.js';
import { createLogger, logSettings, serializeError } from '../../src/core/logger.js';
import { prettyLine } from '../../src/core/pretty-log.js';
import { logSink } from '../support/log-sink.js';

const KEY = 'gcore-unit-test-key-0001';
const WEBHOOK = 'https://hooks.slack.com/services/T0ABCDEF/B0GHIJKL/abcdefSECRETghijkl';

/** An error as got throws it: the request options, Authorization header and URL included. */
function gotLikeError(): Error {
  const error = new Error(`Response code 401 (Unauthorized) for POST ${WEBHOOK}`);
  error.name = 'HTTPError';
  Object.assign(error, {
    code: 'ERR_NON_2XX_3XX_RESPONSE',
    options: { url: new URL(WEBHOOK), headers: { authorization: `APIKey ${KEY}`, 'content-type': 'application/json' } },
    response: { statusCode: 401, body: `Bad permanent token: ${KEY}`, requestUrl: new URL(WEBHOOK) },
  });
  return error;
}

describe('the log serializer, with no scrubber behind it', () => {
  it('keeps type, code and message of an error and its cause, never the cause\'s request options', () => {
    const ours = new GcoreAuthError('the API key for account 456 was rejected', { cause: gotLikeError() });
    const out = serializeError(ours);
    expect(out).toMatchObject({
      type: 'GcoreAuthError',
      code: 'GCORE_AUTH',
      message: 'the API key for account 456 was rejected',
      cause: { type: 'HTTPError', code: 'ERR_NON_2XX_3XX_RESPONSE', message: '(omitted)' },
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('abcdefSECRETghijkl');
    // got names the URL in its message: a webhook's path is removed from message and stack.
    const own = JSON.stringify(serializeError(gotLikeError()));
    expect(own).toContain('Response code 401 (Unauthorized) for POST [REDACTED]');
    expect(own).not.toContain('abcdefSECRETghijkl');
  });

  it('a logger that knows no secret writes neither the Authorization header nor the webhook URL', () => {
    const sink = logSink();
    const logger = createLogger({ destination: sink }); // no `secrets`: only the serializer stands between
    logger.error({ err: new GcoreAuthError('rejected', { cause: gotLikeError() }) }, 'our error, got error as cause');
    logger.error({ err: gotLikeError() }, 'got error itself');
    logger.error({ error: gotLikeError() }, 'under `error`');
    expect(sink.lines).toHaveLength(3);
    expect(sink.text()).not.toContain(KEY);
    expect(sink.text()).not.toContain('abcdefSECRETghijkl');
    expect(sink.parsed()[1]?.err).toMatchObject({ type: 'HTTPError', message: 'Response code 401 (Unauthorized) for POST [REDACTED]' });
  });
});

describe('the logger\'s fields', () => {
  it('names the service on every line', () => {
    const sink = logSink();
    createLogger({ destination: sink }).info('started');
    expect(sink.parsed()[0]?.service).toBe('gcore-token-audit');
  });

  it('censors the API key, webhook URL and Authorization header fields, at the top and one level down, with no secret known', () => {
    const sink = logSink();
    const fields = { apiKey: 'plain-key-1', webhookUrl: 'https://example.invalid/hook', headers: { authorization: 'APIKey plain-key-2', accept: 'json' } };
    createLogger({ destination: sink }).warn({ ...fields, account: fields }, 'fields by name');
    const censored = { apiKey: '[REDACTED]', webhookUrl: '[REDACTED]', headers: { authorization: '[REDACTED]', accept: 'json' } };
    expect(sink.parsed()[0]).toMatchObject({ ...censored, account: censored });
  });
});

describe('the logger\'s scrub', () => {
  it('replaces a known secret in every encoding a request carries it: raw, URL-encoded, base64 of the header', () => {
    const key = 'k3y/with+special=chars&more';
    const sink = logSink();
    const logger = createLogger({ destination: sink, secrets: () => [key] });
    logger.warn({ url: `https://api.example/?key=${encodeURIComponent(key)}` }, 'url-encoded');
    logger.warn({ header: `Basic ${Buffer.from(`APIKey ${key}`).toString('base64')}` }, 'base64 of the header value');
    logger.warn(`raw ${key} and base64 ${Buffer.from(key).toString('base64')}`);
    expect(sink.lines).toHaveLength(3);
    for (const form of [key, encodeURIComponent(key), Buffer.from(`APIKey ${key}`).toString('base64'), Buffer.from(key).toString('base64')]) {
      expect(sink.text()).not.toContain(form);
    }
    expect(sink.text().match(/\[REDACTED\]/g)).toHaveLength(4);
  });
});

describe('log settings', () => {
  it('LOG_LEVEL and LOG_FORMAT are checked; pretty is the default on a terminal, json elsewhere', () => {
    expect(logSettings({}, false)).toEqual({ level: 'info', format: 'json' });
    expect(logSettings({}, true)).toEqual({ level: 'info', format: 'pretty' });
    expect(logSettings({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' }, true)).toEqual({ level: 'debug', format: 'json' });
    let error: unknown;
    try {
      logSettings({ LOG_LEVEL: 'bogus', LOG_FORMAT: 'xml' }, false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent',
      'LOG_FORMAT: expected one of json, pretty',
    ]);
  });

  it('pretty prints one readable line per entry, then the error', () => {
    const line = JSON.stringify({ level: 'warn', time: '2026-11-29T12:00:00.123Z', service: 'gcore-token-audit', msg: 'Redis connection error', code: 'ECONNREFUSED', replica: 'ab12', err: { type: 'Error', message: 'boom' } });
    expect(prettyLine(line)).toBe('12:00:00.123 WARN  Redis connection error code=ECONNREFUSED replica=ab12\n    Error: boom\n');
    const sink = logSink();
    createLogger({ destination: sink, format: 'pretty' }).info({ tokens: 3 }, 'auditing tokens');
    expect(sink.lines[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}auditing tokens tokens=3\n$/);
  });
});

describe('log settings and pretty lines, edge cases', () => {
  const problems = (env: { LOG_LEVEL?: string; LOG_FORMAT?: string }): readonly string[] => {
    try {
      logSettings(env, false);
    } catch (e) {
      return (e as ConfigError).problems;
    }
    return [];
  };

  it('never shows the bad value (it may be a secret set in the wrong variable)', () => {
    expect(problems({ LOG_LEVEL: 'secretish' })).toEqual(['LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent']);
    expect(problems({ LOG_FORMAT: 'yaml' })).toEqual(['LOG_FORMAT: expected one of json, pretty']);
    expect(problems({ LOG_LEVEL: 'silent', LOG_FORMAT: 'pretty' })).toEqual([]);
  });

  it('writes a message or error code that is not a string as JSON, and an error that is null not at all', () => {
    expect(prettyLine(JSON.stringify({ level: 'info', msg: 42, err: null }))).toBe('INFO  42\n');
    expect(prettyLine(JSON.stringify({ level: 'warn', msg: 'm', err: { type: 'Error', code: 7, message: 'boom' } }))).toBe('WARN  m\n    Error (7): boom\n');
  });

  it('writes a field holding a list as JSON', () => {
    expect(prettyLine(JSON.stringify({ level: 'info', msg: 'm', ids: [1, 2] }))).toBe('INFO  m ids=[1,2]\n');
  });

  it('passes a line that is not JSON through as it is', () => {
    expect(prettyLine('not json\n')).toBe('not json\n');
  });

  it('quotes field values with spaces, quotes or equals signs, and writes other values as JSON', () => {
    const line = JSON.stringify({ level: 'info', time: '2026-11-29T08:01:02.003Z', msg: 'm', a: 'two words', b: 'x=y', c: 'say "hi"', d: 'plain', e: 3, f: null, g: { h: 1 } });
    expect(prettyLine(line)).toBe('08:01:02.003 INFO  m a="two words" b="x=y" c="say \\"hi\\"" d=plain e=3 f=null g={"h":1}\n');
  });

  it('leaves out a missing time and message, and indents an error\'s stack, or names its type and code', () => {
    expect(prettyLine(JSON.stringify({ level: 'error', time: 1, err: { type: 'Error', message: 'x', stack: 'Error: x\n    at f' } }))).toBe(
      'ERROR\n    Error: x\n        at f\n',
    );
    expect(prettyLine(JSON.stringify({ level: 'warn', msg: 'm', error: { code: 'E1', message: 'boom' } }))).toBe('WARN  m\n    Error (E1): boom\n');
    expect(prettyLine(JSON.stringify({ level: 'warn', msg: 'm', err: { type: 'TypeError', message: null }, error: 'text' }))).toBe('WARN  m\n    TypeError: \n');
  });
});

describe('serializeError, edge cases', () => {
  it('passes a value that is not an Error through, and keeps only string codes', () => {
    expect(serializeError('just text')).toBe('just text');
    const error = Object.assign(new Error('m'), { code: 42 });
    error.stack = undefined;
    expect(serializeError(error)).toEqual({ type: 'Error', message: 'm' });
  });

  it('keeps the stack, scrubbed, and a cause\'s type without its message or a non-string code', () => {
    const error = new Error('outer', { cause: Object.assign(new TypeError('secret detail'), { code: 7 }) });
    error.stack = 'Error: outer\n    at /services/T1/B2/s3';
    expect(serializeError(error)).toEqual({
      type: 'Error',
      message: 'outer',
      stack: 'Error: outer\n    at [REDACTED]',
      cause: { type: 'TypeError', message: '(omitted)' },
    });
    expect(serializeError(new Error('no cause', { cause: 'a string' }))).not.toHaveProperty('cause');
  });
});
