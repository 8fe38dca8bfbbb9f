import { runCli } from '../../src/app/cli/run-cli.js';

/** One CLI command run in process with `env` and the clock at `at`: its exit code and what it wrote. */
export async function cliAt(args: string[], env: NodeJS.ProcessEnv, at: Date): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    clock: () => at,
    gcoreRetryBaseDelayMs: 1,
  });
  return { code, stdout, stderr };
}
