import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuthenticatorConformance } from '@ftp/plugin-api/testing';
import { apr1Hash, createHtpasswdAuthenticator } from '../src/index.ts';

async function htpasswdFile(content: string): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'htpasswd-conformance-'));
  const file = join(directory, 'users.htpasswd');
  await writeFile(file, content);
  return { file, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

// bcrypt ("Correct Horse", cost 5, made by htpasswd -B) and apr1 entries, each run through the whole kit.
const entries = [
  ['bcrypt', 'Alice', 'Correct Horse', '$2y$05$aorxXq3oak3ilTceAqma1uKBacaR38KG3TTN3h7zliB8OHJgu8uZK'],
  ['apr1', 'Bob', 'Tr0ub4dor&3', apr1Hash('Tr0ub4dor&3', 'Xy7.zQ2a')],
] as const;

for (const [format, username, password, hash] of entries) {
  runAuthenticatorConformance(
    `htpasswd example (${format})`,
    async () => {
      const { file, cleanup } = await htpasswdFile(`# test users\n${username}:${hash}\n`);
      return { authenticator: createHtpasswdAuthenticator({ file }), validCredentials: { username, password }, cleanup };
    },
    {
      // The file disappears after the authenticator was created: an outage (421), not a wrong password (530).
      createUnavailable: async () => {
        const { file, cleanup } = await htpasswdFile(`${username}:${hash}\n`);
        const authenticator = createHtpasswdAuthenticator({ file });
        await cleanup();
        return { authenticator, validCredentials: { username, password } };
      },
    },
  );
}
