import { pino, type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
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
// the webhook URL: the serializer keeps only type, code, message and stack, and the cause's type and code.
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) {
    return err;
  }
  const code = (err as { code?: unknown }).code;
  const out: SafeError = { type: err.name, message: err.message };
  if (typeof code === 'string') {
    out.code = code;
  }
  if (err.stack) {
    out.stack = err.stack;
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
        streamWrite: (line) => {
          let out = line;
          for (const secret of secrets()) {
            if (secret.length >= 6) {
              out = out.split(secret).join('[REDACTED]');
              const escaped = JSON.stringify(secret).slice(1, -1);
              if (escaped !== secret) {
                out = out.split(escaped).join('[REDACTED]');
              }
            }
          }
          return out;
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
