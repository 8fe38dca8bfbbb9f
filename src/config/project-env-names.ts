/**
 * Variables gcore-token-audit (or Node, or the shell) reads for a purpose of its own. A `*Env` name in the
 * configuration may not point at one: `apiKeyEnv: SLACK_WEBHOOK_URL` would send the webhook URL to Gcore
 * as an API key. Add here every variable the project starts to read.
 */
export const PROJECT_ENV_NAMES: readonly string[] = [
  'SLACK_WEBHOOK_URL',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_TLS_CA_FILE',
  'REDIS_PASSWORD',
  'QUEUE_PREFIX',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'GCORE_API_URL',
  'TOKEN_AUDIT_CONFIG',
  'HEALTH_PORT',
  'JOB_LOCK_MS',
  'NODE_OPTIONS',
  'NODE_ENV',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'USER',
  'TZ',
  'PATH',
  'HOME',
];
