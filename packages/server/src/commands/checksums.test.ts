import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { UserPermissions } from '@ftp/plugin-api';
import { createCountingStorage } from '../testing/counting-storage.ts';
import { createMemoryStorage, type MemoryStorageOptions } from '../testing/memory-storage.ts';
import { permissionsAuthenticator } from '../testing/permissions-authenticator.ts';
import { createSessionHarness } from '../testing/session-harness.ts';

const content = randomBytes(200_000);
const files = { '/data.bin': content, '/dir/inside.txt': 'inside', '/my file 2': 'spaced' };

async function loggedIn(memory: MemoryStorageOptions = {}, permissions?: UserPermissions) {
  const session = createSessionHarness({
    storage: createMemoryStorage({ files, chunkBytes: 7_000, ...memory }),
    ...(permissions === undefined ? {} : { authenticator: permissionsAuthenticator(permissions) }),
  });
  onTestFinished(() => session.close());
  await session.login();
  return session;
}

const hex = (name: string, bytes: Uint8Array) => createHash(name).update(bytes).digest('hex');
const crc = (bytes: Uint8Array) => crc32(bytes).toString(16).padStart(8, '0');

describe('HASH and OPTS HASH', () => {
  it('answers SHA-256 by default and each algorithm OPTS HASH selects, with the whole range', async () => {
    const session = await loggedIn();
    expect(await session.send('OPTS HASH')).toEqual(['200 SHA-256']);
    expect(await session.send('HASH data.bin')).toEqual([`213 SHA-256 0-200000 ${hex('sha256', content)} data.bin`]);
    for (const [asked, name, digest] of [
      ['sha-1', 'SHA-1', hex('sha1', content)],
      ['SHA-512', 'SHA-512', hex('sha512', content)],
      ['md5', 'MD5', hex('md5', content)],
      ['CRC32', 'CRC32', crc(content)],
    ] as const) {
      expect(await session.send(`OPTS HASH ${asked}`)).toEqual([`200 ${name}`]);
      expect(await session.send('HASH /data.bin')).toEqual([`213 ${name} 0-200000 ${digest} /data.bin`]);
    }
  });

  it('refuses an unknown algorithm with 501 and keeps the selection', async () => {
    const session = await loggedIn();
    await session.send('OPTS HASH MD5');
    expect(await session.send('OPTS HASH CRC-37')).toEqual(['501 Unknown algorithm, current selection not changed.']);
    expect(await session.send('OPTS HASH')).toEqual(['200 MD5']);
  });

  it('goes back to SHA-256 on REIN, which resets the session to its defaults (RFC 959 §4.1.1)', async () => {
    const session = await loggedIn();
    await session.send('OPTS HASH MD5');
    expect(await session.send('REIN')).toEqual(['220 Service ready for new user.']);
    expect(await session.send('OPTS HASH')).toEqual(['200 SHA-256']);
    await session.login();
    expect((await session.send('HASH data.bin'))[0]).toMatch(/^213 SHA-256 0-200000 /);
  });

  it('lists every algorithm in FEAT and marks the selected one', async () => {
    const session = await loggedIn();
    const features = async () => (await session.send('FEAT'))[0]!.split('\r\n').filter((line) => line.startsWith(' HASH'));
    expect(await features()).toEqual([' HASH SHA-1;SHA-256*;SHA-512;MD5;CRC32']);
    await session.send('OPTS HASH SHA-512');
    expect(await features()).toEqual([' HASH SHA-1;SHA-256;SHA-512*;MD5;CRC32']);
  });

  it('hashes from a REST offset to the end, naming the range, and 554 beyond the end', async () => {
    const session = await loggedIn();
    await session.send('TYPE I');
    await session.send('REST 150000');
    expect(await session.send('HASH data.bin')).toEqual([`213 SHA-256 150000-200000 ${hex('sha256', content.subarray(150_000))} data.bin`]);
    // REST lasts for one command only.
    expect((await session.send('HASH data.bin'))[0]).toContain(' 0-200000 ');
    await session.send('REST 200001');
    expect(await session.send('HASH data.bin')).toEqual(['554 Restart offset 200001 is beyond the end of the file.']);
  });

  it('refuses a directory and a missing file with 550, and needs the download permission', async () => {
    const session = await loggedIn();
    expect((await session.send('HASH dir'))[0]).toMatch(/^550 /);
    expect((await session.send('HASH missing.bin'))[0]).toMatch(/^550 /);
    const denied = await loggedIn({}, { download: false });
    expect(await denied.send('HASH data.bin')).toEqual(['550 Permission denied: download not allowed.']);
    expect(await denied.send('XMD5 data.bin')).toEqual(['550 Permission denied: download not allowed.']);
  });

  it('hashes through read when the storage has no checksum, and asks checksum first when it has one', async () => {
    const without = await loggedIn({ omit: ['checksum'] });
    expect(await without.send('HASH data.bin')).toEqual([`213 SHA-256 0-200000 ${hex('sha256', content)} data.bin`]);
    const { connector, calls } = createCountingStorage({ files });
    const counted = createSessionHarness({ storage: connector });
    onTestFinished(() => counted.close());
    await counted.login();
    calls.length = 0;
    await counted.send('HASH data.bin');
    expect(calls).toEqual(['stat', 'checksum']);
    calls.length = 0;
    await counted.send('XCRC data.bin 10 20');
    expect(calls).toEqual(['stat', 'read']);
  });
});

describe('XCRC, XMD5, XSHA1, XSHA256, XSHA512', () => {
  it('answers 250 and the upper-case digest of the file, or of start to end (end excluded)', async () => {
    const session = await loggedIn();
    const part = content.subarray(1000, 90_000);
    for (const [verb, digest, partDigest] of [
      ['XCRC', crc(content), crc(part)],
      ['XMD5', hex('md5', content), hex('md5', part)],
      ['XSHA1', hex('sha1', content), hex('sha1', part)],
      ['XSHA', hex('sha1', content), hex('sha1', part)],
      ['XSHA256', hex('sha256', content), hex('sha256', part)],
      ['XSHA512', hex('sha512', content), hex('sha512', part)],
    ] as const) {
      expect(await session.send(`${verb} data.bin`), verb).toEqual([`250 ${digest.toUpperCase()}`]);
      expect(await session.send(`${verb} data.bin 1000 90000`), verb).toEqual([`250 ${partDigest.toUpperCase()}`]);
    }
  });

  it('takes a quoted path, which may end in numbers, and refuses a range that is empty or beyond the end', async () => {
    const session = await loggedIn();
    expect(await session.send('XMD5 "my file 2"')).toEqual([`250 ${hex('md5', Buffer.from('spaced')).toUpperCase()}`]);
    expect(await session.send('XMD5 "my file 2" 1 3')).toEqual([`250 ${hex('md5', Buffer.from('pa')).toUpperCase()}`]);
    expect(await session.send('XCRC data.bin 20 20')).toEqual(['501 The end must lie after the start.']);
    expect(await session.send('XCRC data.bin 0 200001')).toEqual(["501 The end lies beyond the file's 200000 bytes."]);
  });

  it('offers each verb in FEAT and HELP', async () => {
    const session = await loggedIn();
    const features = (await session.send('FEAT'))[0]!.split('\r\n');
    for (const verb of ['XCRC', 'XMD5', 'XSHA1', 'XSHA256', 'XSHA512']) expect(features).toContain(` ${verb}`);
    expect(await session.send('HELP XCRC')).toEqual(['214 Syntax: XCRC <sp> pathname [<sp> start <sp> end]']);
    expect(await session.send('HELP HASH')).toEqual(['214 Syntax: HASH <sp> pathname']);
  });
});
