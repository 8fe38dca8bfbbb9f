import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './errors.js';
import { prettyLine } from './pretty-log.js';
import { redact } from './redact.js';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
const LOG_LEVELS = [...Object.keys(pino.levels.values), 'silent'];

/**
 * LOG_LEVEL (default info) and LOG_FORMAT (json, or pretty; default pretty when stderr is a terminal).
 * Throws a ConfigError naming each bad one: pino itself would crash on an unknown level.
 */
export function logSettings(env: { LOG_LEVEL?: string; LOG_FORMAT?: string }, stderrIsTty: boolean): { level: string; format: LogFormat } {
  const problems: string[] = [];
  const level = env.LOG_LEVEL || 'info';
  const format = env.LOG_FORMAT || (stderrIsTty ? 'pretty' : 'json');
  // The value is never printed back: environment values may be secrets set in the wrong variable.
  if (!LOG_LEVELS.includes(level)) {
    problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    problems.push(`LOG_FORMAT: expected one of ${LOG_FORMATS.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return { level, format: format as LogFormat };
}

export interface LoggerOptions {
  readonly level?: string;
  /** json (default): one JSON object a line; pretty: one readable line (and an error's stack) per entry. */
  readonly format?: LogFormat;
  /** Where JSON lines go; stderr by default (stdout carries the report). */
  readonly destination?: DestinationStream;
  /** Secret values read so far; any that shows up in a line is replaced before it is written. */
  readonly secrets?: () => readonly string[];
}

interface SafeError {
  type: string;
  code?: string;
  message: string;
  stack?: string;
  cause?: { type: string; code?: string; message: string };
}

// got's errors carry the request options (the Authorization header among them) and @slack/webhook's carry
// the webhook URL: the serializer keeps only type, code, message and stack, and the cause's type and code,
// and removes Slack webhook paths from the text it keeps, whatever secrets the logger knows of.
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) {
    return err;
  }
  const code = (err as { code?: unknown }).code;
  const out: SafeError = { type: err.name, message: redact(err.message, []) };
  if (typeof code === 'string') {
    out.code = code;
  }
  if (err.stack) {
    out.stack = redact(err.stack, []);
  }
  if (err.cause instanceof Error) {
    const causeCode = (err.cause as { code?: unknown }).code;
    out.cause = { type: err.cause.name, message: '(omitted)' };
    if (typeof causeCode === 'string') {
      out.cause.code = causeCode;
    }
  }
  return out;
}

/** The one root logger; jobs and runs take children of it. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'gcore-token-audit' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: ['apiKey', '*.apiKey', 'webhookUrl', '*.webhookUrl', 'headers.authorization', '*.headers.authorization'],
        censor: '[REDACTED]',
      },
      hooks: {
        // Every known secret in every encoding (raw, URL-encoded, JSON-escaped, base64 of the header) and
        // any Slack webhook path, whatever field it hides in.
        streamWrite: (line) => redact(line, secrets()),
      },
    },
    options.format === 'pretty' ? { write: (line: string) => destination.write(prettyLine(line)) } : destination,
  );
}
