import { availableParallelism } from 'node:os';
import type { AppConfig } from '../config.ts';

/**
 * The number of FTP worker processes `workers` asks for: `auto` is one per core the process may use, digits in a
 * string (from the FTP_WORKERS variable) are that number, and a missing key is 1, the single process of old.
 */
export function workerCount(workers: AppConfig['workers'], cores: () => number = availableParallelism): number {
  if (workers === undefined) return 1;
  if (workers === 'auto') return Math.max(1, cores());
  return typeof workers === 'number' ? workers : Number(workers.trim());
}
