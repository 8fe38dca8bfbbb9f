import { Command, CommanderError, Option } from 'commander';
import type { DestinationStream, Logger } from 'pino';
import { AuditError, ConfigError, RedisUnavailableError, toError } from '../../core/errors.js';
import { createLogger, logSettings } from '../../core/logger.js';
import { redact } from '../../core/redact.js';
import { SEVERITIES } from '../../core/severity.js';
import type { Config } from '../../config/config.js';
import { DEFAULT_CONFIG_PATH, loadConfig, loadConfigOrDefaults } from '../../config/load-config.js';
import { loadConfigOrDefaultsInThread } from '../../config/load-config-in-thread.js';
import { createSecrets, type Secrets } from '../../config/secrets.js';
import type { AuditFlags, AuditIo } from './audit-command.js';
import { EXIT } from './exit-codes.js';
import { packageVersion } from './package-version.js';
import type { TriggerFlags } from './trigger-command.js';
import type { MuteAddFlags } from './mute-command.js';
import type { PlanFlags } from './plan-command.js';
import type { FindingsFlags } from './findings-command.js';
import type { ReportFlags } from './report-command.js';
import type { RunsFlags } from './runs-command.js';
import type { TrendsFlags } from './trends-command.js';
import type { DeadLettersFlags, ResendFlags } from './deliveries-command.js';
import { RULE_IDS } from '../../core/rule-catalog.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** Where usage and configuration errors go, as plain lines (process.stderr by default). */
  readonly stderr?: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  /** Where the logs go (stderr by default). */
  readonly logDestination?: DestinationStream;
  /** Whether stderr is a terminal: the default LOG_FORMAT is then pretty (process.stderr.isTTY by default). */
  readonly stderrIsTty?: boolean;
  readonly clock?: () => Date;
  readonly slack?: AuditIo['slack'];
  readonly gcoreRetryBaseDelayMs?: number;
}

/** What each command's action gets; a command's work lives in its own file (`<name>-command.ts`). */
export interface CommandContext {
  readonly io: CliIo;
  readonly logger: Logger;
  readonly secrets: Secrets;
  /** `--config`, else TOKEN_AUDIT_CONFIG, else config/audit.yaml, else the built-in defaults (logged). */
  config(flag: string | undefined): Config;
  /** The same, the file parsed in a thread of its own: for the long-lived worker (loadConfigOrDefaultsInThread). */
  configInThread(flag: string | undefined): Promise<Config>;
}

const NAME = 'gcore-token-audit';
const CONFIG_HELP = 'configuration file (else TOKEN_AUDIT_CONFIG, else config/audit.yaml, else the defaults)';
const WIDE_HELP = 'output format: table fits 120 columns (the message cut with …), wide prints every column whole';
const OUTPUT = ['--output <file>', 'write the output to this file (whole or not at all) instead of stdout'] as const;

/** Parses argv (without node and script), runs the command, returns the exit code. Never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = createSecrets(io.env);
  const stderr = io.stderr ?? process.stderr;
  // Errors of usage and configuration are for a person: plain lines, one problem each, no JSON, no stack.
  const say = (lines: readonly string[]) => {
    for (const line of lines) {
      stderr.write(`${NAME}: ${redact(line, secrets.known())}\n`);
    }
  };

  let logger: Logger;
  try {
    const { level, format } = logSettings(io.env, io.stderrIsTty ?? Boolean(process.stderr.isTTY));
    logger = createLogger({ level, format, destination: io.logDestination, secrets: () => secrets.known() });
  } catch (error) {
    if (error instanceof ConfigError) {
      say(error.problems);
      return EXIT.usage;
    }
    throw error;
  }

  const told = ({ config, path }: { config: Config; path: string | null }): Config => {
    if (path === null) {
      logger.info(`no configuration file (--config, TOKEN_AUDIT_CONFIG, ${DEFAULT_CONFIG_PATH}): using the built-in defaults, one account keyed by GCORE_API_KEY`);
    }
    for (const notice of config.notices ?? []) {
      logger.warn(notice);
    }
    return config;
  };
  const context: CommandContext = {
    io,
    logger,
    secrets,
    config: (flag) => told(loadConfigOrDefaults(flag, io.env)),
    configInThread: async (flag) => told(await loadConfigOrDefaultsInThread(flag, io.env)),
  };
  let exitCode: number = EXIT.ok;
  // Each action resolves to its exit code.
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      exitCode = await action(...args);
    };

  const program = new Command(NAME)
    .description('Audits Gcore IAM API tokens against hygiene policy and alerts Slack.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => stderr.write(s),
      outputError: (s) => say(s.trim().replace(/^error: /, '').split('\n')),
    })
    .showHelpAfterError(false);

  program
    .command('audit')
    .description('Audit every token once and print a report.')
    .option('--config <file>', CONFIG_HELP)
    .addOption(new Option('-o, --format <format>', WIDE_HELP).choices(['table', 'wide', 'json', 'csv']).default('table'))
    .option(...OUTPUT)
    .option('--evidence <dir>', "write the run's evidence folder (report, findings, tokens, manifest) under this directory")
    .option('--notify', 'post the findings to Slack (SLACK_WEBHOOK_URL)', false)
    .addOption(new Option('--fail-on <severity>', 'exit 3 when an unmuted finding is at or above this').choices(SEVERITIES))
    .option('--input <file>', 'audit a saved export (JSON) instead of calling the API')
    .option('--now <iso>', 'evaluate the rules as of this instant')
    .option('--slack-preview [format]', 'print the Slack messages --notify would post: as read in Slack (text) or as payloads (json)', false)
    .action(
      run(async (opts: AuditFlags & { config?: string }) => {
        const config = context.config(opts.config);
        const { auditCommand } = await import('./audit-command.js');
        return auditCommand(config, opts, {
          stdout: io.stdout,
          stderr,
          logger,
          secrets,
          clock: io.clock ?? (() => new Date()),
          slack: io.slack,
          gcoreRetryBaseDelayMs: io.gcoreRetryBaseDelayMs,
          version: packageVersion(),
        });
      }),
    );

  program
    .command('worker')
    .description('Run the long-lived worker: scheduled audits on BullMQ/Redis, alerts on change.')
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (opts: { config?: string }) => {
        const config = await context.configInThread(opts.config);
        // Each command loads only what it uses (BullMQ, got, prom-client...): the one-shot ones start faster.
        const { workerCommand } = await import('./worker-command.js');
        return workerCommand(config, { env: io.env, logger, secrets });
      }),
    );

  program
    .command('trigger')
    .description('Enqueue an audit run now (a worker runs it).')
    .option('--config <file>', 'configuration file, validated only (the workers use their own)')
    .option('--wait', 'wait for the run and print its report as `audit --format json` does', false)
    .option('--timeout <seconds>', 'how long --wait waits for the report (and any trigger for Redis, 10 s at most)', '600')
    .addOption(new Option('--fail-on <severity>', 'with --wait: exit 3 when an unmuted finding is at or above this').choices(SEVERITIES))
    .addOption(
      new Option('-o, --format <format>', 'with --wait: the report as a table (120 columns; wide: every column whole) or as `audit --format json`')
        .choices(['table', 'wide', 'json'])
        .default('json'),
    )
    .action(
      run(async (opts: TriggerFlags & { config?: string }) => {
        if (opts.config !== undefined) {
          loadConfig(opts.config, io.env);
        }
        const { triggerCommand } = await import('./trigger-command.js');
        return triggerCommand(opts, { env: io.env, logger, stdout: io.stdout, stderr });
      }),
    );

  // The read side: what the worker holds in Redis. No configuration: REDIS_URL / QUEUE_PREFIX say where.
  const readIo = { env: io.env, logger, stdout: io.stdout, stderr, clock: io.clock };
  const formats = (choices: string[]) => new Option('-o, --format <format>', WIDE_HELP).choices(choices).default('table');
  const REDIS_WAIT = ['--timeout <seconds>', 'how long to wait for Redis (exit 5 after that)', '10'] as const;

  program
    .command('findings')
    .description('List the open findings the worker holds, most severe first.')
    .addOption(new Option('--severity <severity>', 'only findings at or above this severity').choices(SEVERITIES))
    .addOption(new Option('--rule <rule>', 'only findings of this rule').choices(RULE_IDS))
    .option('--account <id>', 'only findings of this account (client id)')
    .option('--owner <owner>', 'only findings of tokens with this owner (case aside)')
    .option('--muted', 'only the muted findings (left out otherwise)', false)
    .addOption(formats(['table', 'wide', 'json', 'csv']))
    .option(...OUTPUT)
    .option(...REDIS_WAIT)
    .action(
      run(async (opts: FindingsFlags) => {
        const { findingsCommand } = await import('./findings-command.js');
        return findingsCommand(opts, readIo);
      }),
    );

  program
    .command('runs')
    .description('List the recent runs (kept a day), newest first, and what Slack got of each; --since: from the history (history.days).')
    .option('--limit <n>', 'at most this many runs (default: 20; with --since: all)')
    .option('--since <when>', 'every run since a duration back (36h, 90d, 12w) or a date (2026-11-01), from the history')
    .addOption(formats(['table', 'wide', 'json', 'csv']))
    .option(...REDIS_WAIT)
    .action(
      run(async (opts: RunsFlags) => {
        const { runsCommand } = await import('./runs-command.js');
        return runsCommand(opts, readIo);
      }),
    );

  program
    .command('trends')
    .description('Per ISO week of the history (history.days): open findings by severity, new, resolved, median time to resolve, oldest open critical.')
    .option('--since <when>', 'only weeks of runs since a duration back (36h, 90d, 12w) or a date (2026-11-01); default: all the history')
    .addOption(formats(['table', 'json', 'csv']))
    .option(...REDIS_WAIT)
    .action(
      run(async (opts: TrendsFlags) => {
        const { trendsCommand } = await import('./trends-command.js');
        return trendsCommand(opts, readIo);
      }),
    );

  program
    .command('report')
    .description("Print one run's report, as `audit` does, and what Slack got of it.")
    .argument('[run]', 'a run id (see `runs`), or last', 'last')
    .addOption(formats(['table', 'wide', 'json', 'csv']))
    .option(...OUTPUT)
    .option(...REDIS_WAIT)
    .action(
      run(async (runId: string, opts: ReportFlags) => {
        const { reportCommand } = await import('./report-command.js');
        return reportCommand(runId, opts, readIo);
      }),
    );

  const deliveries = program.command('deliveries').description('Slack deliveries: the messages Slack refused for good (dead letters), and resending them.');
  deliveries
    .command('dead-letters')
    .description('List the messages Slack refused for good (400 invalid_blocks...), set aside so the next ones went out.')
    .option('--route <name>', 'only the dead letters of this route (default: SLACK_WEBHOOK_URL)')
    .addOption(formats(['table', 'json']))
    .option(...REDIS_WAIT)
    .action(
      run(async (opts: DeadLettersFlags) => {
        const { deadLettersCommand } = await import('./deliveries-command.js');
        return deadLettersCommand(opts, readIo);
      }),
    );
  deliveries
    .command('resend')
    .description('Put dead letters back in their route\'s outbox and have a worker deliver them now.')
    .argument('[id]', 'the dead letter\'s id (deliveries dead-letters)')
    .option('--all', 'every dead letter (of --route, if given)', false)
    .option('--route <name>', 'only the dead letters of this route')
    .option(...REDIS_WAIT)
    .action(
      run(async (id: string | undefined, opts: ResendFlags) => {
        const { resendCommand } = await import('./deliveries-command.js');
        return resendCommand(id, opts, readIo);
      }),
    );

  const muteIo = () => ({ env: io.env, logger, stdout: io.stdout, stderr, clock: io.clock ?? (() => new Date()) });
  const mute = program.command('mute').description('Mute findings at run time (kept in Redis; every replica applies them from its next run).');
  mute
    .command('add')
    .description('Mute a rule, a token, or a rule on a token, until a date; prints the mute\'s id.')
    .requiredOption('--reason <text>', 'why (told in the next digest)')
    .requiredOption('--until <date>', 'through that day (UTC), or until a timestamp with a zone; at most mutes.maxDays ahead')
    .addOption(new Option('--rule <rule>', 'the rule to mute').choices(RULE_IDS))
    .option('--account <id>', 'the account (clientId)')
    .option('--token <id>', 'the token (needs --account)')
    .option('--by <name>', 'who mutes it (default: $USER)')
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (opts: MuteAddFlags & { config?: string }) => {
        // Only mutes.maxDays is read: no file is no news here, and not logged.
        const { config } = loadConfigOrDefaults(opts.config, io.env);
        const { muteAddCommand } = await import('./mute-command.js');
        return muteAddCommand(config, opts, muteIo());
      }),
    );
  mute
    .command('list')
    .description('Every mute in force: the configuration file\'s and those in Redis.')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (opts: { format: 'table' | 'json'; config?: string }) => {
        const { config } = loadConfigOrDefaults(opts.config, io.env);
        const { muteListCommand } = await import('./mute-command.js');
        return muteListCommand(config, opts, muteIo());
      }),
    );
  mute
    .command('remove')
    .description('Remove a mute kept in Redis (one of the configuration file is removed from the file).')
    .argument('<id>', 'the mute\'s id (mute list)')
    .option('--by <name>', 'who removes it (default: $USER)')
    .action(async (id: string, opts: { by?: string }) => {
      const { muteRemoveCommand } = await import('./mute-command.js');
      exitCode = await muteRemoveCommand(id, opts, muteIo());
    });

  const revokeIo = () => ({ env: io.env, logger, secrets, stdout: io.stdout, clock: io.clock ?? (() => new Date()), gcoreRetryBaseDelayMs: io.gcoreRetryBaseDelayMs });
  const revoke = program.command('revoke').description('Revoke (delete) a token: one person asks, another approves (remediation.enabled).');
  revoke
    .command('request')
    .description('Ask for a token to be revoked; prints the request\'s id. Deletes nothing.')
    .argument('<token>', 'clientId/tokenId (456/101), or the id of an open finding')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who asks (default: $USER)')
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (target: string, opts: { reason: string; by?: string; config?: string }) => {
        const config = context.config(opts.config);
        const { revokeRequestCommand } = await import('./revoke-command.js');
        return revokeRequestCommand(config, target, opts, revokeIo());
      }),
    );
  revoke
    .command('approve')
    .description('Approve and carry out a revocation another person asked for (exit 7: refused, nothing deleted).')
    .argument('<id>', 'the request\'s id (revoke list)')
    .option('--by <name>', 'who approves (default: $USER)')
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (id: string, opts: { by?: string; config?: string }) => {
        const config = context.config(opts.config);
        const { revokeApproveCommand } = await import('./revoke-command.js');
        return revokeApproveCommand(config, id, opts, revokeIo());
      }),
    );
  revoke
    .command('cancel')
    .description('Cancel a pending revocation.')
    .argument('<id>', 'the request\'s id (revoke list)')
    .option('--by <name>', 'who cancels (default: $USER)')
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (id: string, opts: { by?: string; config?: string }) => {
        const { config } = loadConfigOrDefaults(opts.config, io.env);
        const { revokeCancelCommand } = await import('./revoke-command.js');
        return revokeCancelCommand(config, id, opts, revokeIo());
      }),
    );
  revoke
    .command('keep')
    .description('Approve a token to stay: a pending revocation (a request or a quarantine) becomes kept; nothing is deleted.')
    .argument('<id>', 'the revocation\'s id (revoke list)')
    .requiredOption('--by <name>', 'who keeps the token')
    .requiredOption('--reason <text>', 'why it stays')
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (id: string, opts: { by: string; reason: string; config?: string }) => {
        const { config } = loadConfigOrDefaults(opts.config, io.env);
        const { revokeKeepCommand } = await import('./revoke-command.js');
        return revokeKeepCommand(config, id, opts, revokeIo());
      }),
    );
  revoke
    .command('list')
    .description('Every revocation kept: pending, done, refused, lapsed, cancelled, with who and when.')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--config <file>', CONFIG_HELP)
    .action(
      run(async (opts: { format: 'table' | 'json'; config?: string }) => {
        const { config } = loadConfigOrDefaults(opts.config, io.env);
        const { revokeListCommand } = await import('./revoke-command.js');
        return revokeListCommand(config, opts, revokeIo());
      }),
    );

  program
    .command('plan')
    .description('What the next run would do with this configuration: changes and Slack messages; posts and writes nothing.')
    .option('--config <file>', CONFIG_HELP)
    .option('--input <file>', 'audit a saved export (JSON) instead of calling the API')
    .option('--now <iso>', 'evaluate the rules as of this instant')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option(...OUTPUT)
    .action(
      run(async (opts: PlanFlags & { config?: string }) => {
        const config = context.config(opts.config);
        const { planCommand } = await import('./plan-command.js');
        return planCommand(config, opts, {
          env: io.env,
          stdout: io.stdout,
          logger,
          secrets,
          clock: io.clock ?? (() => new Date()),
          gcoreRetryBaseDelayMs: io.gcoreRetryBaseDelayMs,
        });
      }),
    );

  const evidence = program.command('evidence').description('Evidence folders written by `audit --evidence` and the worker (evidence.dir).');
  evidence
    .command('verify')
    .description("Check an evidence folder against its manifest (every file's hash, none missing or extra) and its signature.")
    .argument('<dir>', 'the evidence folder (DIR/<run id>)')
    .option('--public-key <file>', 'the Ed25519 public key (PEM) whose private key signed the manifest')
    .action(
      run(async (dir: string, opts: { publicKey?: string }) => {
        const { evidenceVerifyCommand } = await import('./evidence-command.js');
        return evidenceVerifyCommand(dir, opts, { stdout: io.stdout, stderr });
      }),
    );

  if (argv.length === 0) {
    io.stdout.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error (already said by outputError).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      say(error.problems);
      return EXIT.usage;
    }
    // Something outside is wrong, not the usage: still a plain line for a person (where Redis is, password
    // masked, and the variable that says so), exit 5.
    if (error instanceof RedisUnavailableError) {
      say([error.message]);
      return EXIT.timeout;
    }
    if (error instanceof AuditError) {
      // A refused revocation (same person approving, remediation off) is said plainly, exit 2 like usage.
      say(error.message.split('\n'));
      return EXIT.usage;
    }
    logger.fatal({ err: toError(error) }, 'unexpected error');
    return 1;
  }
}
