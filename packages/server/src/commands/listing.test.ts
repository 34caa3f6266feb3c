import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { permissionsAuthenticator } from '../testing/permissions-authenticator.ts';
import { createSessionHarness, type SessionHarnessOptions } from '../testing/session-harness.ts';

const files = { '/pub/a.txt': 'alpha', '/pub/b.bin': 'bravo!', '/pub/sub/c.txt': 'c', '/root.txt': 'r' };

async function loggedIn(options: SessionHarnessOptions = {}) {
  const created = createSessionHarness({ storage: createMemoryStorage({ files }), ...options });
  onTestFinished(() => created.close());
  await created.login();
  return created;
}

const lines = (data: Buffer) =>
  data
    .toString()
    .split('\r\n')
    .filter((line) => line !== '');
const codes = (replies: readonly string[]) => replies.map((reply) => reply.slice(0, 3));
/** The facts of one MLSx line, "type=file;size=5; name" → { type: 'file', size: '5' } and the name. */
function facts(line: string): { name: string; facts: Record<string, string> } {
  const space = line.indexOf(' ');
  const entries = line
    .slice(0, space)
    .split(';')
    .filter((fact) => fact !== '')
    .map((fact) => fact.split('=') as [string, string]);
  return { name: line.slice(space + 1), facts: Object.fromEntries(entries.map(([key, value]) => [key.toLowerCase(), value])) };
}

describe('listing commands', () => {
  it('lists a directory with LIST in ls -l form, CRLF-terminated', async () => {
    const session = await loggedIn();
    const { replies, data } = await session.download('LIST pub');
    expect(codes(replies)).toEqual(['150', '226']);
    expect(data.toString()).toMatch(/\r\n$/);
    const listed = lines(data);
    expect(listed).toHaveLength(3);
    expect(listed.find((line) => line.endsWith(' a.txt'))).toMatch(/^-[rwx-]{9} .* 5 .* a\.txt$/);
    expect(listed.find((line) => line.endsWith(' sub'))).toMatch(/^d[rwx-]{9} /);
  });

  it('lists the current directory when LIST has no argument, and ignores ls flags', async () => {
    const session = await loggedIn();
    await session.send('CWD pub');
    expect(lines((await session.download('LIST')).data)).toHaveLength(3);
    expect(lines((await session.download('LIST -la')).data)).toHaveLength(3);
  });

  it('lists a file as itself with LIST', async () => {
    const session = await loggedIn();
    const listed = lines((await session.download('LIST pub/a.txt')).data);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatch(/ a\.txt$/);
  });

  it('sends bare names with NLST', async () => {
    const session = await loggedIn();
    const { replies, data } = await session.download('NLST pub');
    expect(codes(replies)).toEqual(['150', '226']);
    expect(lines(data).sort()).toEqual(['a.txt', 'b.bin', 'sub']);
  });

  it('sends a listing bigger than one batch as whole lines, names of any script and length intact', async () => {
    // 3,000 lines span several 64 KiB batches; their lengths vary and they hold three-byte characters, so a batch
    // ends anywhere in a line. A 70,000-character name needs a batch of its own.
    const longName = 'x'.repeat(70_000);
    const names = [
      ...Array.from(
        { length: 3000 },
        (_, index) => `file-${String(index).padStart(4, '0')}-${'日'.repeat(index % 17)}-${'n'.repeat(20)}.txt`,
      ),
      'café-日本-😀.txt',
      longName,
    ];
    const many = Object.fromEntries(names.map((name) => [`/big/${name}`, 'data']));
    const created = createSessionHarness({ storage: createMemoryStorage({ files: many }) });
    onTestFinished(() => created.close());
    await created.login();
    for (const [verb, nameOf] of [
      ['LIST', (line: string) => line.split(/ +/).slice(8).join(' ')],
      ['NLST', (line: string) => line],
      ['MLSD', (line: string) => facts(line).name],
    ] as const) {
      const { replies, data } = await created.download(`${verb} /big`);
      expect(codes(replies)).toEqual(['150', '226']);
      expect(data.subarray(-2).toString()).toBe('\r\n');
      expect(lines(data).map(nameOf).sort()).toEqual([...names].sort());
    }
  });

  it('keeps a name with a line break on one line in LIST, NLST and MLSD (LF as NUL, CR as CR NUL)', async () => {
    const created = createSessionHarness({ storage: createMemoryStorage({ files: { '/odd/a\nb': 'x', '/odd/c\rd': 'y' } }) });
    onTestFinished(() => created.close());
    await created.login();
    for (const [verb, nameOf] of [
      ['LIST', (line: string) => line.split(/ +/).slice(8).join(' ')],
      ['NLST', (line: string) => line],
      ['MLSD', (line: string) => facts(line).name],
    ] as const) {
      const { data } = await created.download(`${verb} /odd`);
      expect(lines(data).map(nameOf).sort()).toEqual(['a\0b', 'c\r\0d']);
    }
  });

  it('replies 550 to LIST or NLST of a missing path, before any 150', async () => {
    const session = await loggedIn();
    expect((await session.download('LIST nothing')).replies).toEqual(['550 No such file or directory.']);
    expect((await session.download('NLST nothing')).replies).toEqual(['550 No such file or directory.']);
  });

  it('sends RFC 3659 facts with MLSD', async () => {
    const session = await loggedIn();
    const { replies, data } = await session.download('MLSD pub');
    expect(codes(replies)).toEqual(['150', '226']);
    const entries = lines(data).map(facts);
    expect(entries.map((entry) => entry.name).sort()).toEqual(['a.txt', 'b.bin', 'sub']);
    const file = entries.find((entry) => entry.name === 'b.bin')!;
    expect(file.facts).toMatchObject({ type: 'file', size: '6' });
    expect(file.facts.modify).toMatch(/^\d{14}(\.\d+)?$/);
    expect(file.facts.perm).toContain('r');
    expect(entries.find((entry) => entry.name === 'sub')!.facts).toMatchObject({ type: 'dir' });
  });

  it('replies 501 to MLSD of a file and 550 to MLSD of a missing path', async () => {
    const session = await loggedIn();
    expect((await session.download('MLSD pub/a.txt')).replies[0]).toMatch(/^501 /);
    expect((await session.download('MLSD missing')).replies[0]).toMatch(/^550 /);
  });

  it('answers MLST on the control connection: 250, one fact line with the full path, End', async () => {
    const session = await loggedIn();
    const [reply = ''] = await session.send('MLST pub/a.txt');
    const replyLines = reply.split('\r\n');
    expect(replyLines).toHaveLength(3);
    expect(replyLines[0]).toBe('250-Listing /pub/a.txt');
    expect(replyLines[2]).toBe('250 End');
    expect(replyLines[1]).toMatch(/^ /);
    const entry = facts(replyLines[1]!.slice(1));
    expect(entry.name).toBe('/pub/a.txt');
    expect(entry.facts).toMatchObject({ type: 'file', size: '5' });
    expect((await session.send('MLST missing'))[0]).toMatch(/^550 /);
  });

  it('answers only the facts chosen with OPTS MLST', async () => {
    const session = await loggedIn();
    expect(await session.send('OPTS MLST size;type;')).toEqual(['200 MLST OPTS type;size;']);
    const [reply = ''] = await session.send('MLST pub/a.txt');
    expect(reply.split('\r\n')[1]).toBe(' type=file;size=5; /pub/a.txt');
  });

  it('shows a listing on the control connection with STAT <path>: 212 for a directory, 213 for a file', async () => {
    const session = await loggedIn();
    const [directory = ''] = await session.send('STAT pub');
    const directoryLines = directory.split('\r\n');
    expect(directoryLines[0]).toBe('212-Status of /pub:');
    expect(directoryLines.at(-1)).toBe('212 End of status.');
    expect(directoryLines.filter((line) => / (a\.txt|b\.bin|sub)$/.test(line))).toHaveLength(3);
    const [file = ''] = await session.send('STAT root.txt');
    expect(file.split('\r\n')[0]).toBe('213-Status of /root.txt:');
    expect(file).toMatch(/ root\.txt\r\n213 End of status\.$/);
    expect((await session.send('STAT missing'))[0]).toMatch(/^550 /);
  });

  it('replies 550 naming the list permission to every listing command', async () => {
    const session = await loggedIn({ authenticator: permissionsAuthenticator({ list: false }) });
    const refused = '550 Permission denied: list not allowed.';
    expect((await session.download('LIST')).replies).toEqual([refused]);
    expect((await session.download('NLST')).replies).toEqual([refused]);
    expect(await session.send('MLST pub')).toEqual([refused]);
    expect(await session.send('STAT pub')).toEqual([refused]);
  });

  it('shows what the user may do in the perm fact', async () => {
    const session = await loggedIn({ authenticator: permissionsAuthenticator({ delete: false, overwrite: false }) });
    const [reply = ''] = await session.send('MLST pub/a.txt');
    const perm = facts(reply.split('\r\n')[1]!.slice(1)).facts.perm;
    expect(perm).toContain('r');
    expect(perm).not.toContain('d');
    expect(perm).not.toContain('w');
  });
});
