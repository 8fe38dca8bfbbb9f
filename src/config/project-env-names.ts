/**
 * Variables gcore-token-audit (or Node, or the shell) reads for a purpose of its own, with that purpose. A
 * `*Env` name in the configuration may not point at one: `apiKeyEnv: SLACK_WEBHOOK_URL` would send the
 * webhook URL to Gcore as an API key. Add here every variable the project starts to read.
 */
export const PROJECT_ENV_PURPOSES: Readonly<Record<string, string>> = {
  SLACK_WEBHOOK_URL: 'the default Slack webhook',
  SLACK_APP_TOKEN: 'a Slack app token',
  SLACK_BOT_TOKEN: 'a Slack bot token',
  REDIS_URL: 'the Redis URL and its password',
  REDIS_CLUSTER_NODES: 'the Redis Cluster nodes',
  REDIS_TLS_CA_FILE: "the Redis CA's file",
  REDIS_PASSWORD: 'the Redis password',
  QUEUE_PREFIX: 'the key prefix',
  LOG_LEVEL: 'the log level',
  LOG_FORMAT: 'the log format',
  GCORE_API_URL: "Gcore's API address",
  TOKEN_AUDIT_CONFIG: "the configuration's path",
  HEALTH_PORT: 'the health port',
  JOB_LOCK_MS: 'the job lock',
  REPORT_BACKOFF_MS: "the report job's retry delay",
  NODE_OPTIONS: "Node's options",
  NODE_ENV: "Node's environment",
  NODE_EXTRA_CA_CERTS: "Node's extra CAs",
  NODE_TLS_REJECT_UNAUTHORIZED: "Node's TLS checking",
  HTTP_PROXY: 'the HTTP proxy',
  HTTPS_PROXY: 'the HTTPS proxy',
  NO_PROXY: 'the proxy exceptions',
  USER: 'the user name',
  TZ: 'the time zone',
  PATH: 'the search path',
  HOME: 'the home directory',
  EVIDENCE_SIGNING_KEY: "the evidence manifests' signing key",
};

export const PROJECT_ENV_NAMES: readonly string[] = Object.keys(PROJECT_ENV_PURPOSES);
