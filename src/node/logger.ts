/** Structured logs: one line per event, a message plus a context object, on stderr. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

function render(ctx: Record<string, unknown> | undefined): string {
  if (ctx === undefined) return '';
  return Object.entries(ctx)
    .map(([k, v]) => `${k}=${typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const log = (lvl: LogLevel) => (msg: string, ctx?: Record<string, unknown>) => {
    if (ORDER[lvl] > ORDER[level]) return;
    const time = new Date().toISOString().slice(11, 23);
    write(`${time} ${lvl.toUpperCase().padEnd(5)} ${msg} ${render(ctx)}`.trimEnd());
  };
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
}
