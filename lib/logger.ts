/**
 * Structured JSON logs, one object a line: time, level, message and fields
 * (module, event type, correlation id, trace id, …).
 *
 * @module
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => console.error(line);

function errorFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
}

export function createLogger(
  level: LogLevel = "info",
  base: LogFields = {},
  sink: LogSink = stderrSink,
): Logger {
  const write = (at: LogLevel, message: string, fields: LogFields = {}) => {
    if (RANK[at] < RANK[level]) return;
    sink(JSON.stringify({
      time: new Date().toISOString(),
      level: at,
      message,
      ...base,
      ...errorFields(fields),
    }));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}

/** For tests: keeps nothing, prints nothing. */
export const silentLogger: Logger = createLogger("silent");
