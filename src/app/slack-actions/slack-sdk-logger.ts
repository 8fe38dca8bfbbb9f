import { LogLevel, type Logger as SlackLogger } from '@slack/socket-mode';
import type { Logger } from 'pino';

/**
 * The Slack SDK's logger interface over ours. The SDK's debug lines are dropped: they carry whole payloads
 * (user names, message text) and request bodies; its info goes to debug, its warnings and errors to warn
 * (they say why a connection failed). Every line is passed through `redact` (the app and bot tokens).
 * getLevel says INFO so the SDK never builds its debug text (its ack() logs the acknowledgement's body at DEBUG).
 */
export function slackSdkLogger(logger: Logger, redact: (text: string) => string): SlackLogger {
  const line = (msg: unknown[]) => redact(msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' '));
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => logger.debug({ sdk: 'slack' }, line(msg)),
    warn: (...msg: unknown[]) => logger.warn({ sdk: 'slack' }, line(msg)),
    error: (...msg: unknown[]) => logger.warn({ sdk: 'slack' }, line(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
