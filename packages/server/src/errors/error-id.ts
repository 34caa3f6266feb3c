import { randomBytes } from 'node:crypto';

/** A short random id that ties a 451 reply to its log line. */
export function newErrorId(): string {
  return randomBytes(6).toString('hex');
}
