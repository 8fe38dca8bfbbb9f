import { describe, expect, it } from '@jest/globals';
import {
  AuditError,
  ConfigError,
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreRateLimitedError,
  GcoreRedirectError,
  GcoreResponseError,
  GcoreResponseTooLargeError,
  GcoreUnavailableError,
  SecretError,
  SecretNotSetError,
  SlackRejectedError,
  SlackUnavailableError,
  SlackDeferredError,
  StateConflictError,
  OutboxClaimLostError,
  DeliveryAbortedError,
  RedisUnavailableError,
  TokenValidationError,
  UsageError,
  toError,
} from '../../src/core/errors.js';

describe('error classes', () => {
  const cause = new Error('underlying');

  it.each([
    [() => new UsageError('bad flag'), 'UsageError', 'USAGE'],
    [() => new SecretError('no secret'), 'SecretError', 'SECRET_MISSING'],
    [() => new GcoreAuthError('rejected', { cause }), 'GcoreAuthError', 'GCORE_AUTH'],
    [() => new GcoreForbiddenError('forbidden', { cause }), 'GcoreForbiddenError', 'GCORE_FORBIDDEN'],
    [() => new GcoreNotFoundError('not found', { cause }), 'GcoreNotFoundError', 'GCORE_NOT_FOUND'],
    [() => new GcoreUnavailableError('down', 5000, { cause }), 'GcoreUnavailableError', 'GCORE_UNAVAILABLE'],
    [() => new GcoreRateLimitedError('slow down', 2000, { cause }), 'GcoreRateLimitedError', 'GCORE_RATE_LIMITED'],
    [() => new GcoreResponseError('bad body', { cause }), 'GcoreResponseError', 'GCORE_BAD_RESPONSE'],
    [() => new GcoreRedirectError('302', { cause }), 'GcoreRedirectError', 'GCORE_REDIRECT'],
    [() => new GcoreResponseTooLargeError('too big', { cause }), 'GcoreResponseTooLargeError', 'GCORE_TOO_LARGE'],
    [() => new SlackUnavailableError('unreachable', { cause }), 'SlackUnavailableError', 'SLACK_UNAVAILABLE'],
    [() => new SlackDeferredError('wait 120 s', { cause }), 'SlackDeferredError', 'SLACK_DEFERRED'],
    [() => new StateConflictError('state moved', { cause }), 'StateConflictError', 'STATE_CONFLICT'],
    [() => new OutboxClaimLostError('claim lost', { cause }), 'OutboxClaimLostError', 'OUTBOX_CLAIM_LOST'],
    [() => new DeliveryAbortedError('shutting down', { cause }), 'DeliveryAbortedError', 'DELIVERY_ABORTED'],
    [() => new RedisUnavailableError('no answer', { cause }), 'RedisUnavailableError', 'REDIS_UNAVAILABLE'],
  ])('%#: a %s has its own name and stable code, and keeps its message and cause', (make, name, code) => {
    // Built inside the test, so a mutation tool sees which test reads each class.
    const error = make();
    expect(error).toBeInstanceOf(AuditError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    if (!(error instanceof UsageError) && !(error instanceof SecretError)) {
      expect(error.cause).toBe(cause);
    }
  });

  it('a rate limit is a kind of unavailability, with the wait asked for', () => {
    const error = new GcoreRateLimitedError('slow down', 2000);
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error.retryAfterMs).toBe(2000);
    expect(new GcoreUnavailableError('down', undefined).retryAfterMs).toBeUndefined();
  });

  it('a configuration error lists each problem on a line of its own', () => {
    const error = new ConfigError(['a: bad', 'b: worse']);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toEqual(['a: bad', 'b: worse']);
    expect(error.message).toBe('invalid configuration:\n  a: bad\n  b: worse');
  });

  it('a missing secret names the variable and its _FILE form, never a value', () => {
    const error = new SecretNotSetError('GCORE_API_KEY');
    expect(error).toBeInstanceOf(SecretError);
    expect(error.code).toBe('SECRET_MISSING');
    expect(error.name).toBe('SecretNotSetError');
    expect(error.variable).toBe('GCORE_API_KEY');
    expect(error.message).toBe('GCORE_API_KEY is not set (nor GCORE_API_KEY_FILE)');
  });

  it('a token validation error names the field', () => {
    const error = new TokenValidationError('client_user.role', 'invalid token response: client_user.role: expected object');
    expect(error).toMatchObject({ code: 'TOKEN_INVALID', name: 'TokenValidationError', field: 'client_user.role' });
    expect(error.message).toBe('invalid token response: client_user.role: expected object');
  });

  it('a Slack rejection keeps the status and Slack\'s error word', () => {
    const error = new SlackRejectedError(404, 'no_service', { cause });
    expect(error).toMatchObject({ code: 'SLACK_REJECTED', name: 'SlackRejectedError', statusCode: 404, slackError: 'no_service', cause });
    expect(error.message).toBe('Slack rejected the message: HTTP 404 no_service');
  });
});

describe('toError', () => {
  it('passes an Error through and wraps anything else as its text', () => {
    const error = new RangeError('r');
    expect(toError(error)).toBe(error);
    const wrapped = toError('plain text');
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe('plain text');
    expect(toError(42).message).toBe('42');
  });
});
