import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';

/** A child process whose standard output carries JSON log lines (pino's), read as they come. */
export interface LoggedProcess {
  readonly child: ChildProcess;
  /** Every line of standard output that is a JSON object, parsed, in order; other lines are only in `stdout()`. */
  readonly logLines: readonly Record<string, unknown>[];
  /** Standard output so far. */
  stdout(): string;
  /** Standard error so far. */
  stderr(): string;
  /**
   * Resolves with the first log line that `matches`, logged already or still to come; rejects with the exit code and
   * standard error when the process ends first.
   */
  logLine(matches: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null after a signal) once the process has ended and its output is read. */
  readonly closed: Promise<number | null>;
}

export interface LoggedProcessOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** A process group of its own, as a shell gives a command; the group is what is killed at the end. */
  readonly detached?: boolean;
  /** Written to standard input, which is then closed; without it standard input is not connected. */
  readonly input?: string;
}

/**
 * Spawns `command` and reads its output. Call it inside a test: a process still running when the test finishes is
 * killed (SIGKILL, by its PID, or its group's when `detached`) and waited for.
 */
export function spawnLogged(command: string, args: readonly string[], options: LoggedProcessOptions = {}): LoggedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: options.detached ?? false,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const logLines: Record<string, unknown>[] = [];
  interface Waiter {
    readonly matches: (line: Record<string, unknown>) => boolean;
    readonly resolve: (line: Record<string, unknown>) => void;
    readonly reject: (error: Error) => void;
  }
  const waiters = new Set<Waiter>();
  let ended: Error | undefined;

  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      logLines.push(line);
      for (const waiter of waiters) {
        if (!waiter.matches(line)) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  child.stdin?.end(options.input);

  // A command that cannot be started ends with 'close' too, after 'error'.
  child.once('error', (error) => (stderr += `${error.message}\n`));
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code, signal) => {
      const error = new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before the log line waited for:\n${stderr}`);
      ended = error;
      for (const waiter of waiters) waiter.reject(error);
      waiters.clear();
      resolve(code);
    }),
  );
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (options.detached === true) process.kill(-child.pid!, 'SIGKILL');
    else child.kill('SIGKILL');
    await closed;
  });

  return {
    child,
    logLines,
    stdout: () => stdout,
    stderr: () => stderr,
    closed,
    logLine(matches) {
      const seen = logLines.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      if (ended !== undefined) return Promise.reject(ended);
      return new Promise((resolve, reject) => waiters.add({ matches, resolve, reject }));
    },
  };
}
