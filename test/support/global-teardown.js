// The servers keep nothing (no RDB, no AOF): SIGKILL, not a graceful shutdown that could wait on a client.
export default async function globalTeardown() {
  const servers = globalThis.__REDIS_SERVERS__ ?? [];
  await Promise.all(
    servers
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGKILL');
          }),
      ),
  );
}
