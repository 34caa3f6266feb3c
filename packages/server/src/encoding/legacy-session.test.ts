import { Buffer } from 'node:buffer';
import iconv from 'iconv-lite';
import { recordingLogger } from '@ftp/test-utils';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness, type SessionHarness } from '../testing/session-harness.ts';

// A session of a server with `encoding` set, fed the bytes a legacy client sends. The harness keeps the reply bytes
// of such a session as Latin-1 characters, so `wire` gives what a reply must look like on the wire.

const chinese = '\u4e2d\u6587'; // 中文
/** `text` as `charset` bytes, spelt one Latin-1 character per byte as the harness keeps replies. */
const wire = (text: string, charset = 'gbk') => iconv.encode(text, charset).toString('latin1');
/** A command line in `charset`, for the harness's `upload` and `download`. */
const bytesIn = (line: string, charset = 'gbk') => iconv.encode(line, charset);
/** Sends `line` and CRLF encoded in `charset`. */
const sendIn = (session: SessionHarness, line: string, charset = 'gbk') => session.sendBytes(iconv.encode(`${line}\r\n`, charset));

async function legacySession(encoding: string, files: Record<string, string> = {}, logger = recordingLogger().logger) {
  const session = createSessionHarness({ storage: createMemoryStorage({ files }), options: { encoding, logger } });
  onTestFinished(() => session.close());
  await session.login();
  return session;
}

/** The lines of a listing's data, decoded from `charset`. */
const linesOf = (data: Buffer, charset = 'gbk') => iconv.decode(data, charset).split('\r\n').slice(0, -1);

describe('a session in a legacy charset (the encoding option)', () => {
  it('reads GBK names in commands and answers with GBK paths until OPTS UTF8 ON', async () => {
    const session = await legacySession('gbk');
    expect(await sendIn(session, `MKD ${chinese}`)).toEqual([wire(`257 "/${chinese}" directory created.`)]);
    expect(await sendIn(session, `CWD ${chinese}`)).toEqual([wire(`250 Directory changed to "/${chinese}".`)]);
    expect(await sendIn(session, 'PWD')).toEqual([wire(`257 "/${chinese}" is the current directory.`)]);
    expect(await session.send('OPTS UTF8 ON')).toEqual(['200 UTF8 mode on.']);
    // A session in UTF-8 sends strings, as a server without the option does.
    expect(await session.send('PWD')).toEqual([`257 "/${chinese}" is the current directory.`]);
    expect(await session.send('OPTS UTF8 OFF')).toEqual(['200 UTF8 mode off; names in gbk.']);
    expect(await session.send('PWD')).toEqual([wire(`257 "/${chinese}" is the current directory.`)]);
  });

  it('refuses bytes GBK does not define, naming the charset', async () => {
    const session = await legacySession('gbk');
    // 0x81 starts a two-byte character, which no space can end.
    expect(await session.sendBytes(Buffer.from([...Buffer.from('CWD '), 0x81, 0x20, 0x41, 0x0d, 0x0a]))).toEqual([
      '500 Command is not valid gbk.',
    ]);
    expect(await session.sendBytes(Buffer.from([...Buffer.from('CWD '), 0xd6, 0x0d, 0x0a]))).toEqual(['500 Command is not valid gbk.']);
  });

  it('stores the name as the same Unicode string a UTF-8 client sees', async () => {
    const session = await legacySession('gbk');
    await session.send('TYPE I');
    const stored = await session.upload(bytesIn(`STOR ${chinese}.txt`), Buffer.from('x'));
    expect(stored.at(-1)).toBe('226 Transfer complete.');
    await session.send('OPTS UTF8 ON');
    expect((await session.download('NLST')).data.toString('utf8')).toBe(`${chinese}.txt\r\n`);
  });

  it('lists names in GBK over LIST, NLST and MLSD, and as UTF-8 after OPTS UTF8 ON', async () => {
    const session = await legacySession('gbk', { [`/${chinese}.txt`]: 'abc', '/plain.txt': 'x' });
    const nlst = await session.download('NLST');
    expect(nlst.data).toEqual(iconv.encode(`plain.txt\r\n${chinese}.txt\r\n`, 'gbk'));
    expect(linesOf((await session.download('LIST')).data).map((line) => line.split(' ').at(-1))).toEqual(['plain.txt', `${chinese}.txt`]);
    expect(linesOf((await session.download('MLSD')).data).map((line) => line.split(' ').at(-1))).toEqual(['plain.txt', `${chinese}.txt`]);
    // A pattern's prefix comes from the client and goes back in its charset too.
    await session.send('TYPE I');
    await sendIn(session, `MKD ${chinese}`);
    await session.upload(bytesIn(`STOR ${chinese}/a.txt`), Buffer.from('x'));
    expect((await session.download(bytesIn(`NLST ${chinese}/*.txt`))).data).toEqual(iconv.encode(`${chinese}/a.txt\r\n`, 'gbk'));
    await session.send('OPTS UTF8 ON');
    expect((await session.download('NLST')).data.toString('utf8')).toBe(`plain.txt\r\n${chinese}\r\n${chinese}.txt\r\n`);
  });

  it('leaves out of a listing, with one warning, the names the charset cannot carry', async () => {
    const { logger, lines } = recordingLogger();
    const emoji = 'smile \u{1f600}.txt';
    const session = await legacySession('gbk', { [`/${emoji}`]: 'x', '/\u00a5.txt': 'x', [`/${chinese}.txt`]: 'x', '/a.txt': 'x' }, logger);
    // GBK has neither the emoji nor "\u00a5" (only the full-width "\uffe5"): a "?" would name another file.
    expect(linesOf((await session.download('NLST')).data)).toEqual(['a.txt', `${chinese}.txt`]);
    expect(linesOf((await session.download('LIST')).data)).toHaveLength(2);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.fields)).toEqual([
      expect.objectContaining({ path: '/', charset: 'gbk', skipped: 2, example: emoji }),
      expect.objectContaining({ path: '/', charset: 'gbk', skipped: 2, example: emoji }),
    ]);
  });

  it('leaves a name Shift_JIS cannot carry exactly out of STAT <directory> too', async () => {
    const session = await legacySession('shift_jis', { '/\u00a5.txt': 'x', '/\u65e5.txt': 'x' });
    const [reply = ''] = await session.send('STAT /');
    const lines = iconv.decode(Buffer.from(reply, 'latin1'), 'shift_jis').split('\r\n');
    expect(lines.filter((line) => line.endsWith('.txt')).map((line) => line.split(' ').at(-1))).toEqual(['\u65e5.txt']);
  });

  it('goes back to the legacy charset on REIN, as a new connection would start', async () => {
    const session = await legacySession('shift_jis');
    await session.send('OPTS UTF8 ON');
    await session.send('REIN');
    await session.login();
    expect(await sendIn(session, 'MKD \u65e5\u672c', 'shift_jis')).toEqual([wire('257 "/\u65e5\u672c" directory created.', 'shift_jis')]);
  });

  it('reads and writes Latin-1 bytes', async () => {
    const session = await legacySession('latin1');
    expect(await session.sendBytes(Buffer.from([...Buffer.from('MKD caf'), 0xe9, 0x0d, 0x0a]))).toEqual([
      '257 "/caf\u00e9" directory created.',
    ]);
  });

  it('keeps UTF-8 as today without the option: OPTS UTF8 OFF is refused, invalid UTF-8 too', async () => {
    const session = createSessionHarness();
    onTestFinished(() => session.close());
    await session.login();
    expect(await session.send('OPTS UTF8 ON')).toEqual(['200 Always in UTF8 mode.']);
    expect(await session.send('OPTS UTF8 OFF')).toEqual(['504 UTF8 cannot be turned off.']);
    expect(await sendIn(session, `MKD ${chinese}`)).toEqual(['500 Command is not valid UTF-8 (RFC 2640).']);
  });
});
