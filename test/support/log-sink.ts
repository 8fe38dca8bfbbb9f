/** An in-memory pino destination: every JSON line written, raw and parsed. */
export function logSink() {
  const lines: string[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
    },
    parsed(): Record<string, unknown>[] {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text(): string {
      return lines.join('');
    },
  };
}
