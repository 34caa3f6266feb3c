import { Client } from 'basic-ftp';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificate, eventually } from '@ftp/test-utils';
import { sha256, uploadBuffer } from './support/index.ts';
import { startTlsServer, testUser } from './support-tls.ts';

// 100 sequential FTPS sessions (half explicit, half implicit), each logging in, uploading a small file over a
// protected data connection and quitting: afterwards nothing of them may be left in the process.

const certificate = await generateCertificate();
const sessions = 100;
/** Handles the process may hold beyond the baseline after the sessions (pool sockets, a pending timer, …). */
const slack = 5;

async function openDescriptorCount(): Promise<number | undefined> {
  return existsSync('/proc/self/fd') ? (await readdir('/proc/self/fd')).length : undefined;
}

describe('many sequential FTPS sessions', () => {
  it(`runs ${sessions} TLS sessions one after another without leaking sessions, ports or handles`, { timeout: 60_000 }, async () => {
    const server = await startTlsServer(certificate, { implicit: true });
    const resourcesBefore = process.getActiveResourcesInfo().length;
    const descriptorsBefore = await openDescriptorCount();
    const content = randomBytes(2_000);
    for (let index = 0; index < sessions; index++) {
      const implicit = index % 2 === 1;
      const client = new Client(15_000);
      try {
        await client.access({
          host: '127.0.0.1',
          port: implicit ? server.implicitPort! : server.port,
          user: testUser.user,
          password: testUser.password,
          secure: implicit ? 'implicit' : true,
          secureOptions: { rejectUnauthorized: false },
        });
        await uploadBuffer(client, `file-${index}.bin`, content);
        expect((await client.send('QUIT')).code).toBe(221);
      } finally {
        client.close();
      }
    }
    const names = await readdir(server.root);
    expect(names.filter((name) => name.startsWith('file-')).length).toBe(sessions);
    expect(sha256(await readFile(join(server.root, `file-${sessions - 1}.bin`)))).toBe(sha256(content));
    await eventually(() => server.server.sessionCount === 0, 'every session to end');
    expect(server.server.passivePortsInUse).toBe(0);
    // Sockets close a little after QUIT; a leak of one handle per session would stay ~100 above the baseline.
    await eventually(() => process.getActiveResourcesInfo().length <= resourcesBefore + slack, 'active resources back to the baseline');
    if (descriptorsBefore !== undefined) {
      await eventually(async () => (await openDescriptorCount())! <= descriptorsBefore + slack, 'file descriptors back to the baseline');
    }
  });
});
