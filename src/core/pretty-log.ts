const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** One pino JSON line as a person reads it: `12:00:00.123 WARN  message key=value …`, then an error's stack. */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, service: _service, err, error, ...rest } = record;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`);
  const head = [clock, text(level).toUpperCase().padEnd(5), text(msg), ...fields].filter((p) => p !== '').join(' ');
  const lines = [head];
  for (const e of [err, error]) {
    if (e !== null && typeof e === 'object') {
      const { type, code, message, stack } = e as Record<string, unknown>;
      lines.push(
        typeof stack === 'string'
          ? stack.replace(/^/gm, '    ')
          : `    ${text(type) || 'Error'}${code === undefined ? '' : ` (${text(code)})`}: ${text(message)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
