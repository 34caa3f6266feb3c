import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Leaves the lock of the local users file `usersFile` as a writer leaves it: the directory `<usersFile>.lock` holding
 * its holder's record (`record` merged over a fixed token and start time). Returns the token.
 */
export async function writeUsersFileLock(usersFile: string, record: Record<string, unknown>): Promise<string> {
  const token = 'ab'.repeat(16);
  await mkdir(`${usersFile}.lock`);
  await writeFile(
    join(`${usersFile}.lock`, `holder-${token}.json`),
    JSON.stringify({ token, since: '2026-01-02T03:04:05.000Z', ...record }),
  );
  return token;
}

/** This process's pid namespace and boot id, as a writer on this machine records them in its lock (Linux). */
export function thisMachine(): { pidNamespace?: string; bootId?: string } {
  const read = (reader: () => string) => {
    try {
      return reader();
    } catch {
      return undefined;
    }
  };
  const pidNamespace = read(() => readlinkSync('/proc/self/ns/pid'));
  const bootId = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  return { ...(pidNamespace === undefined ? {} : { pidNamespace }), ...(bootId === undefined ? {} : { bootId }) };
}
