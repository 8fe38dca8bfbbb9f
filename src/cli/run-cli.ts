import { Command, CommanderError, Option } from 'commander';
import type { DestinationStream } from 'pino';
import { AuditError, ConfigError, RedisUnavailableError, UsageError, toError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { SEVERITIES } from '../core/severity.js';
import { configPath, loadConfig } from '../config/load-config.js';
import { createSecrets } from '../config/secrets.js';
import type { AuditFlags, AuditIo } from './audit-command.js';
import { EXIT } from './exit-codes.js';
import type { TriggerFlags } from './trigger-command.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  /** Where the JSON logs go (stderr by default). */
  readonly logDestination?: DestinationStream;
  readonly clock?: () => Date;
  readonly slack?: AuditIo['slack'];
  readonly gcoreRetryBaseDelayMs?: number;
}

/** Parses argv (without node and script), runs the command, returns the exit code. Never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = createSecrets(io.env);
  const logger = createLogger({ level: io.env.LOG_LEVEL, destination: io.logDestination, secrets: () => secrets.known() });
  let exitCode: number = EXIT.ok;

  const program = new Command('gcore-token-audit')
    .description('Audits Gcore IAM API tokens against hygiene policy and alerts Slack.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => logger.error(s.trim()),
    })
    .showHelpAfterError(false);

  program
    .command('audit')
    .description('Audit every token once and print a report.')
    .option('--config <file>', 'configuration file (else TOKEN_AUDIT_CONFIG, else config/audit.yaml)')
    .addOption(new Option('--format <format>', 'report format').choices(['table', 'json']).default('table'))
    .option('--notify', 'post the findings to Slack (SLACK_WEBHOOK_URL)', false)
    .addOption(new Option('--fail-on <severity>', 'exit 3 when an unmuted finding is at or above this').choices(SEVERITIES))
    .option('--input <file>', 'audit a saved export (JSON) instead of calling the API')
    .option('--now <iso>', 'evaluate the rules as of this instant')
    .option('--slack-preview', 'print the Slack messages --notify would post (table format only)', false)
    .action(async (opts: AuditFlags & { config?: string }) => {
      const config = loadConfig(configPath(opts.config, io.env), io.env);
      const { auditCommand } = await import('./audit-command.js');
      exitCode = await auditCommand(config, opts, {
        stdout: io.stdout,
        logger,
        secrets,
        clock: io.clock ?? (() => new Date()),
        slack: io.slack,
        gcoreRetryBaseDelayMs: io.gcoreRetryBaseDelayMs,
      });
    });

  program
    .command('worker')
    .description('Run the long-lived worker: scheduled audits on BullMQ/Redis, alerts on change.')
    .option('--config <file>', 'configuration file (else TOKEN_AUDIT_CONFIG, else config/audit.yaml)')
    .action(async (opts: { config?: string }) => {
      const config = loadConfig(configPath(opts.config, io.env), io.env);
      // Each command loads only what it uses (BullMQ, got, prom-client...): the one-shot ones start faster.
      const { workerCommand } = await import('./worker-command.js');
      exitCode = await workerCommand(config, { env: io.env, logger, secrets });
    });

  program
    .command('trigger')
    .description('Enqueue an audit run now (a worker runs it).')
    .option('--config <file>', 'configuration file (validated; the workers use their own)')
    .option('--wait', 'wait for the run and print its report as `audit --format json` does', false)
    .option('--timeout <seconds>', 'how long --wait waits for the report (and any trigger for Redis, 10 s at most)', '600')
    .addOption(new Option('--fail-on <severity>', 'with --wait: exit 3 when an unmuted finding is at or above this').choices(SEVERITIES))
    .action(async (opts: TriggerFlags & { config?: string }) => {
      loadConfig(configPath(opts.config, io.env), io.env);
      const { triggerCommand } = await import('./trigger-command.js');
      exitCode = await triggerCommand(opts, { env: io.env, logger, stdout: io.stdout });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      logger.fatal({ problems: error.problems }, error.message);
      return EXIT.usage;
    }
    if (error instanceof RedisUnavailableError) {
      logger.fatal({ code: error.code }, error.message);
      return EXIT.timeout;
    }
    if (error instanceof UsageError || error instanceof AuditError) {
      logger.fatal({ code: error.code }, error.message);
      return EXIT.usage;
    }
    logger.fatal({ err: toError(error) }, 'unexpected error');
    return 1;
  }
}
