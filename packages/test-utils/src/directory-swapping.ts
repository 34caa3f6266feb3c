import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const swapperScript = fileURLToPath(new URL('./rename-exchange.py', import.meta.url));

/**
 * Starts swapping the directory entries `first` and `second` again and again with renameat2(RENAME_EXCHANGE) in a
 * python3 child process, as a hostile local user racing a server's path checks would: each swap is atomic, so at
 * every instant one name is the directory and the other the symlink. Resolves once it runs, with a function that
 * stops it by its PID; it is stopped when the current test finishes in any case, and after 50 million swaps.
 */
export async function startDirectorySwapping(first: string, second: string): Promise<() => Promise<void>> {
  const child = spawn('python3', [swapperScript, first, second, '50000000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  onTestFinished(stop);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', () => resolve());
  });
  return stop;
}
