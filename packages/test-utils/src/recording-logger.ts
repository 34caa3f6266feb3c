/**
 * The logger shape `@ftp/server` takes (`ServerLogger`: pino's methods with fields first, and `child`), written out
 * here so that this package imports no workspace package.
 */
export interface TestLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
  child(bindings: Record<string, unknown>): TestLogger;
}

/** One line a `recordingLogger` kept. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** The fields of the line, after the bindings of the child logger that wrote it. */
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

/** A logger that keeps every line, with its level, for assertions on what the server reported. */
export function recordingLogger(): { logger: TestLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (bindings: Record<string, unknown>): TestLogger => {
    const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message?: string) =>
      void lines.push({ level, fields: { ...bindings, ...fields }, message });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return { logger: make({}), lines };
}

/** Error-level lines, and any line that carries a stack trace anywhere in its fields. */
export function alarmingLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level === 'error' || JSON.stringify(line.fields).includes('"stack"'));
}
