import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStorage, type MemoryStorageOptions } from '../testing/memory-storage.ts';
import { createSessionHarness } from '../testing/session-harness.ts';

function harness(memory: MemoryStorageOptions = {}) {
  const created = createSessionHarness({ storage: createMemoryStorage({ files: { '/a.txt': 'a' }, ...memory }) });
  onTestFinished(() => created.close());
  return created;
}

/** The feature lines of a FEAT reply, without their one-space indent. */
function featureLines(reply: string): string[] {
  const lines = reply.split('\r\n');
  expect(lines[0]).toBe('211-Features:');
  expect(lines.at(-1)).toBe('211 End');
  const features = lines.slice(1, -1);
  for (const line of features) expect(line).toMatch(/^ \S/);
  return features.map((line) => line.slice(1));
}

describe('information commands', () => {
  it('answers SYST with 215 UNIX Type: L8 and NOOP with 200', async () => {
    const session = harness();
    expect(await session.send('SYST')).toEqual(['215 UNIX Type: L8']);
    expect(await session.send('NOOP')).toEqual(['200 NOOP ok.']);
  });

  it('lists the protocol features in FEAT before login, leaving out what depends on the storage', async () => {
    const session = harness();
    const [reply = ''] = await session.send('FEAT');
    const features = featureLines(reply);
    expect(features).toEqual(expect.arrayContaining(['EPRT', 'EPSV', 'MDTM', 'PASV', 'REST STREAM', 'SIZE', 'TVFS', 'UTF8']));
    // Which storage the user gets is not known yet: only the facts every storage supplies (RFC 3659 §7.8).
    expect(features).toContain('MLST type*;size*;modify*;perm*;');
    expect(features).not.toContain('MFMT');
    // HASH needs no capability: every storage can be hashed through `read`.
    expect(features).toContain('HASH SHA-1;SHA-256*;SHA-512;MD5;CRC32');
  });

  it('adds the storage-backed features to FEAT after login, only those the storage has', async () => {
    const full = harness();
    await full.login();
    const fullFeatures = featureLines((await full.send('FEAT'))[0] ?? '');
    expect(fullFeatures).toContain('MFMT');
    expect(fullFeatures).toContain('HASH SHA-1;SHA-256*;SHA-512;MD5;CRC32');
    expect(fullFeatures).toContain('MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;');
    const limited = harness({ omit: ['setModifiedTime', 'checksum'] });
    await limited.login();
    const limitedFeatures = featureLines((await limited.send('FEAT'))[0] ?? '');
    expect(limitedFeatures).not.toContain('MFMT');
    expect(limitedFeatures).toContain('HASH SHA-1;SHA-256*;SHA-512;MD5;CRC32');
    expect(limitedFeatures).toContain('SIZE');
  });

  it('shows the facts chosen with OPTS MLST in FEAT', async () => {
    const session = harness();
    await session.login();
    await session.send('OPTS MLST type;modify;');
    expect(featureLines((await session.send('FEAT'))[0] ?? '')).toContain('MLST type*;size;modify*;perm;unique;UNIX.mode;');
  });

  it('accepts OPTS UTF8 ON (200) and refuses OPTS UTF8 OFF (504), since paths are always UTF-8', async () => {
    const session = harness();
    expect(await session.send('OPTS UTF8 ON')).toEqual(['200 Always in UTF8 mode.']);
    expect(await session.send('OPTS utf8 on')).toEqual(['200 Always in UTF8 mode.']);
    expect((await session.send('OPTS UTF8 OFF'))[0]).toMatch(/^504 /);
    expect((await session.send('OPTS NOSUCH x'))[0]).toMatch(/^501 /);
    expect((await session.send('OPTS'))[0]).toMatch(/^501 /);
  });

  it('selects no facts with an empty OPTS MLST', async () => {
    const session = harness();
    await session.login();
    expect(await session.send('OPTS MLST')).toEqual(['200 MLST OPTS ']);
    expect((await session.send('MLST a.txt'))[0]?.split('\r\n')[1]).toBe('  /a.txt');
  });

  it('lists the implemented commands with HELP (214) and the syntax of one with HELP <verb>', async () => {
    const session = harness();
    const [reply = ''] = await session.send('HELP');
    const lines = reply.split('\r\n');
    expect(lines[0]).toBe('214-The following commands are recognized:');
    expect(lines.at(-1)).toBe('214 Help OK.');
    const verbs = lines
      .slice(1, -1)
      .join(' ')
      .split(/\s+/)
      .filter((verb) => verb !== '');
    expect(verbs).toEqual(expect.arrayContaining(['RETR', 'STOR', 'EPSV', 'MLSD', 'XPWD', 'QUIT']));
    expect(verbs).not.toContain('AUTH');
    expect(await session.send('HELP retr')).toEqual(['214 Syntax: RETR <sp> pathname']);
    expect((await session.send('HELP NOSUCH'))[0]).toMatch(/^501 /);
  });

  it('answers SITE HELP with 214 and unknown SITE commands with 502', async () => {
    const session = harness();
    const [reply = ''] = await session.send('SITE HELP');
    expect(reply.split('\r\n')[0]).toBe('214-The following SITE commands are recognized:');
    expect(reply).toMatch(/\r\n214 Help OK\.$/);
    expect((await session.send('SITE SYMLINK a.txt b.txt'))[0]).toMatch(/^502 /);
    expect((await session.send('SITE'))[0]).toMatch(/^501 /);
  });

  it('reports the session with STAT (211) before and after login', async () => {
    const session = harness();
    const [before = ''] = await session.send('STAT');
    const beforeLines = before.split('\r\n');
    expect(beforeLines[0]).toBe('211-FTP server status:');
    expect(beforeLines.at(-1)).toBe('211 End of status');
    expect(beforeLines).toContain('Connected from 127.0.0.1');
    expect(beforeLines).toContain('Not logged in');
    expect(beforeLines).toContain('No data connection');
    await session.login('alice');
    await session.send('TYPE I');
    const [after = ''] = await session.send('STAT');
    expect(after).toContain('Logged in as alice');
    expect(after).toContain('TYPE: BINARY');
  });

  it('replies 530 to STAT <path> before login', async () => {
    const session = harness();
    expect((await session.send('STAT /'))[0]).toMatch(/^530 /);
  });

  it('closes after 221 on QUIT and answers nothing afterwards', async () => {
    const session = harness();
    expect(await session.send('QUIT')).toEqual(['221 Goodbye.']);
    expect(session.isClosed).toBe(true);
    expect(await session.send('NOOP')).toEqual([]);
  });

  it('replies 500 to an unknown verb and does not echo control characters from it', async () => {
    const session = harness();
    expect(await session.send('XYZZY')).toEqual(['500 Unknown command "XYZZY".']);
    const [reply = ''] = await session.sendBytes(Buffer.from('BAD\x07VERB\r\n'));
    expect(reply).toMatch(/^500 /);
    expect(reply).not.toContain('\x07');
  });

  it('accepts bare LF line ends and Telnet IAC sequences in the command stream', async () => {
    const session = harness();
    expect(await session.sendBytes(Buffer.from('NOOP\nSYST\n'))).toEqual(['200 NOOP ok.', '215 UNIX Type: L8']);
    expect(await session.sendBytes(Buffer.from([0xff, 0xf4, 0xff, 0xf2, ...Buffer.from('NOOP\r\n')]))).toEqual(['200 NOOP ok.']);
  });
});
