export default async function globalTeardown() {
  const servers = globalThis.__REDIS_SERVERS__ ?? [];
  await Promise.all(
    servers
      .filter((child) => child.exitCode === null)
      .map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
  );
}
