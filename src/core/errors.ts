/**
 * Every error this project raises on purpose. Callers decide by class (or `code`), never by message text.
 * Messages are written for the operator and never contain an API key or a webhook URL.
 */
export abstract class AuditError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The configuration file or the environment is invalid; `problems` lists each one with its path. */
export class ConfigError extends AuditError {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Wrong command-line usage (bad flag value, missing SLACK_WEBHOOK_URL with --notify...). */
export class UsageError extends AuditError {
  readonly code = 'USAGE';
}

/** A secret variable is missing, empty or set twice (VAR and VAR_FILE), or its file cannot be read. */
export class SecretError extends AuditError {
  readonly code = 'SECRET_MISSING';
}

/** Neither VAR nor VAR_FILE is set (or VAR is empty). */
export class SecretNotSetError extends SecretError {
  constructor(readonly variable: string) {
    super(`${variable} is not set (nor ${variable}_FILE)`);
  }
}

/** The API key was refused (HTTP 401). Not retried: every call with the same key would fail. */
export class GcoreAuthError extends AuditError {
  readonly code = 'GCORE_AUTH';
}

/** HTTP 403: the key may not read this token or account. */
export class GcoreForbiddenError extends AuditError {
  readonly code = 'GCORE_FORBIDDEN';
}

/** HTTP 404 on a token: it no longer exists. */
export class GcoreNotFoundError extends AuditError {
  readonly code = 'GCORE_NOT_FOUND';
}

/** Network error, timeout, 429 or 5xx that persisted after the retries. */
export class GcoreUnavailableError extends AuditError {
  readonly code: string = 'GCORE_UNAVAILABLE';
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** HTTP 429: Gcore asks us to slow down, for `retryAfterMs` when it says. */
export class GcoreRateLimitedError extends GcoreUnavailableError {
  override readonly code: string = 'GCORE_RATE_LIMITED';
}

/** The API answered, but not with what its spec promises (bad JSON, wrong shape, other 4xx). */
export class GcoreResponseError extends AuditError {
  readonly code = 'GCORE_BAD_RESPONSE';
}

/** The API answered with a redirect: never followed, since got would carry the Authorization header along. */
export class GcoreRedirectError extends AuditError {
  readonly code = 'GCORE_REDIRECT';
}

/** A response body (decompressed) over its bound: refused unread, so a hostile body cannot exhaust memory. */
export class GcoreResponseTooLargeError extends AuditError {
  readonly code = 'GCORE_TOO_LARGE';
}

/** A token response failed validation; `field` names the first offending field. */
export class TokenValidationError extends AuditError {
  readonly code = 'TOKEN_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Slack refused the message for good (4xx other than 429): retrying the same payload cannot help. */
export class SlackRejectedError extends AuditError {
  readonly code: string = 'SLACK_REJECTED';
  constructor(
    readonly statusCode: number,
    readonly slackError: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack rejected the message: HTTP ${statusCode} ${slackError}`, options);
  }
}

/** Slack stayed unreachable (network, timeout, 5xx, 429) through every attempt. */
export class SlackUnavailableError extends AuditError {
  readonly code: string = 'SLACK_UNAVAILABLE';
}

/** Slack asked us to wait longer than we wait (Retry-After over 60 s): the digest stays queued for the next run. */
export class SlackDeferredError extends SlackUnavailableError {
  override readonly code: string = 'SLACK_DEFERRED';
}

/** Another run committed alert state since this one read it: re-read, re-plan, commit again. */
export class StateConflictError extends AuditError {
  readonly code = 'STATE_CONFLICT';
}

/** An outbox claim was lost (expired or taken over) while delivering: stop before posting anything more. */
export class OutboxClaimLostError extends AuditError {
  readonly code = 'OUTBOX_CLAIM_LOST';
}

/** Delivery stopped because the worker is shutting down; the digest stays queued. */
export class DeliveryAbortedError extends AuditError {
  readonly code = 'DELIVERY_ABORTED';
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Redis did not answer in time, or refused us (wrong password, TLS failure): exit 5. The message names it, never the password. */
export class RedisUnavailableError extends AuditError {
  readonly code = 'REDIS_UNAVAILABLE';
}

/**
 * Slack refused this message for good (400 invalid_blocks, msg_too_long, invalid_payload...): the webhook works,
 * the payload does not. The message is set aside as a dead letter and the next one goes out.
 */
export class SlackMessageRejectedError extends SlackRejectedError {
  override readonly code: string = 'SLACK_MESSAGE_REJECTED';
}

/**
 * Slack refused the webhook itself (404 no_service, 403 invalid_token, 410 channel_is_archived...): every message
 * to it would be refused, and fixing the webhook fixes them all. The messages stay queued for their route.
 */
export class SlackWebhookRejectedError extends SlackRejectedError {
  override readonly code: string = 'SLACK_WEBHOOK_REJECTED';
}

/** The company directory (issuers.directory) cannot be read or parsed; the message names the line, never an email. */
export class DirectoryError extends AuditError {
  readonly code = 'DIRECTORY_INVALID';
}

/**
 * A DELETE got an unclear answer (timeout, reset, 5xx) and the token could not be read to learn whether it was
 * deleted: the revocation stays claimed, and the next claimant re-reads before anything.
 */
export class GcoreOutcomeUnknownError extends GcoreUnavailableError {
  override readonly code: string = 'GCORE_OUTCOME_UNKNOWN';
}

/** A revocation command was refused (same person approving, remediation off, not pending...): exit 2. */
export class RevocationRefusedError extends AuditError {
  readonly code = 'REVOCATION_REFUSED';
}

/** An evidence folder could not be written, or its signing key could not be used. Logged and counted; the run goes on. */
export class EvidenceWriteError extends AuditError {
  readonly code = 'EVIDENCE_WRITE';
}

/** A Slack Web API call (chat.update, views.open…) with the bot token failed: Slack's error code, or why no answer came. */
export class SlackApiError extends AuditError {
  readonly code = 'SLACK_API';
  constructor(
    readonly method: string,
    readonly slackError: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack ${method} failed: ${slackError}`, options);
  }
}
