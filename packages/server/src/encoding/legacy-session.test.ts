import { Buffer } from 'node:buffer';
import iconv from 'iconv-lite';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness, type SessionHarness } from '../testing/session-harness.ts';

// A session of a server with `encoding` set, fed the bytes a legacy client sends. The harness keeps the reply bytes
// of such a session as Latin-1 characters, so `wire` gives what a reply must look like on the wire.

const chinese = '\u4e2d\u6587'; // 中文
/** `text` as `charset` bytes, spelt one Latin-1 character per byte as the harness keeps replies. */
const wire = (text: string, charset = 'gbk') => iconv.encode(text, charset).toString('latin1');
/** Sends `line` and CRLF encoded in `charset`. */
const sendIn = (session: SessionHarness, line: string, charset = 'gbk') => session.sendBytes(iconv.encode(`${line}\r\n`, charset));

async function legacySession(encoding: string, files: Record<string, string> = {}) {
  const session = createSessionHarness({ storage: createMemoryStorage({ files }), options: { encoding } });
  onTestFinished(() => session.close());
  await session.login();
  return session;
}

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
    expect(await session.upload(`STOR ${wire(`${chinese}.txt`)}`, Buffer.from('x'))).toContain('226 Transfer complete.');
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
