/**
 * A job's error made safe to store: BullMQ keeps its message as the job's failedReason and its stack in
 * Redis, and either may quote an outside answer (Gcore's, Slack's, Redis's). The error is changed in place
 * so that its class (UnrecoverableError, a rate-limit signal) still decides what BullMQ does with it.
 */
export function redactJobError(error: unknown, redactText: (text: string) => string): unknown {
  if (error instanceof Error) {
    error.message = redactText(error.message);
    if (error.stack !== undefined) {
      error.stack = redactText(error.stack);
    }
  }
  return error;
}
