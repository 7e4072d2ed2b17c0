/** The one logger: structured lines on stderr, so CLI output on stdout stays machine-readable. */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Level[] = ['debug', 'info', 'warn', 'error'];
const threshold = (): number => {
  const wanted = process.env.POINTKEEPER_LOG as Level | undefined;
  return ORDER.indexOf(wanted && ORDER.includes(wanted) ? wanted : 'warn');
};

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if (ORDER.indexOf(level) < threshold()) return;
  const line = { at: new Date().toISOString(), level, message, ...fields };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

export const logger = {
  debug: (m: string, f?: Record<string, unknown>) => write('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('error', m, f),
};
