import type { ServerLogger } from '@ftp/server';

/** One line a `recordingLogger` kept. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

/** A logger that keeps every line, with its level, for assertions on what the server reported. */
export function recordingLogger(): { logger: ServerLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message?: string) =>
    void lines.push({ level, fields, message });
  const logger: ServerLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { logger, lines };
}

/** Error-level lines, and any line that carries a stack trace anywhere in its fields. */
export function alarmingLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level === 'error' || JSON.stringify(line.fields).includes('"stack"'));
}
