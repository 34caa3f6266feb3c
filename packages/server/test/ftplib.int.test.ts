import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftplibFixture as fixture } from './support/ftplib.ts';
import { sha256 } from './support/index.ts';

// Python's standard ftplib as a second, independent client: it does what basic-ftp cannot (active mode, ASCII
// transfers, REST+STOR, ABOR, NLST, STAT, MLST, STOU). Each scenario of python/ftplib_client.py prints JSON.

describe('Python ftplib against the server', () => {
  it('uploads and downloads in active mode (PORT), byte-exact', async () => {
    const { root, local, run } = await fixture();
    const content = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(local, 'upload.bin'), content);
    const result = await run('active-roundtrip', join(local, 'upload.bin'), 'active.bin');
    expect(result.stored).toMatch(/^226 /);
    expect(result.retrieved).toMatch(/^226 /);
    expect(result.bytes).toBe(content.byteLength);
    expect(result.sha256).toBe(sha256(content));
    expect(sha256(await readFile(join(root, 'active.bin')))).toBe(sha256(content));
    expect(result.quit).toMatch(/^221 /);
  });

  it('downloads over a connection set up with EPRT (RFC 2428)', async () => {
    const { root, run } = await fixture();
    const content = randomBytes(200_000);
    await writeFile(join(root, 'eprt.bin'), content);
    const result = await run('eprt-download', 'eprt.bin');
    expect(result.eprt).toMatch(/^200 /);
    expect(result.opening).toMatch(/^150 /);
    expect(result.final).toMatch(/^226 /);
    expect(result.sha256).toBe(sha256(content));
  });

  it('stores ASCII uploads with LF and sends ASCII downloads with CRLF on the wire', async () => {
    const { root, local, run } = await fixture();
    await writeFile(join(local, 'text.txt'), 'first line\nsecond line\n\nlast\n');
    const result = await run('ascii', join(local, 'text.txt'), 'text.txt');
    expect(result.stored).toMatch(/^226 /);
    expect(await readFile(join(root, 'text.txt'), 'latin1')).toBe('first line\nsecond line\n\nlast\n');
    expect(result.wire).toBe('first line\r\nsecond line\r\n\r\nlast\r\n');
    expect(result.wireFinal).toMatch(/^226 /);
    expect(result.lines).toEqual(['first line', 'second line', '', 'last']);
  });

  it('lists names with nlst()', async () => {
    const { root, run } = await fixture();
    await mkdir(join(root, 'pub', 'nested'), { recursive: true });
    await writeFile(join(root, 'pub', 'one.txt'), '1');
    await writeFile(join(root, 'pub', 'two.txt'), '22');
    const result = await run('nlst', 'pub');
    expect((result.names as string[]).map((name) => name.replace(/^pub\//, '')).sort()).toEqual(['nested', 'one.txt', 'two.txt']);
  });

  it('parses STAT and STAT <dir> as multi-line replies', async () => {
    const { user, root, run } = await fixture();
    await mkdir(join(root, 'pub'));
    await writeFile(join(root, 'pub', 'listed.txt'), 'abc');
    const result = await run('stat', 'pub');
    const session = (result.session as string).split('\n');
    expect(session[0]).toMatch(/^211-/);
    expect(session.at(-1)).toMatch(/^211 /);
    expect(result.session).toContain(`Logged in as ${user}`);
    const directory = (result.directory as string).split('\n');
    expect(directory[0]).toMatch(/^212-/);
    expect(directory.at(-1)).toMatch(/^212 /);
    expect(directory.some((line) => /^-.* 3 .* listed\.txt$/.test(line))).toBe(true);
  });

  it('reads MLSD entries and MLST facts', async () => {
    const { root, run } = await fixture();
    await mkdir(join(root, 'data', 'inner'), { recursive: true });
    await writeFile(join(root, 'data', 'facts.bin'), Buffer.alloc(1234));
    const result = await run('mlsd', 'data', 'data/facts.bin');
    const entries = new Map((result.entries as [string, Record<string, string>][]).map(([name, facts]) => [name, facts]));
    expect([...entries.keys()].sort()).toEqual(['facts.bin', 'inner']);
    expect(entries.get('facts.bin')).toMatchObject({ type: 'file', size: '1234' });
    expect(entries.get('facts.bin')!.modify).toMatch(/^\d{14}/);
    expect(entries.get('inner')).toMatchObject({ type: 'dir' });
    const mlst = (result.mlst as string).split('\n');
    expect(mlst[0]).toMatch(/^250-/);
    expect(mlst[1]).toMatch(/^ .*type=file;.*size=1234;.* \/data\/facts\.bin$/);
    expect(mlst.at(-1)).toMatch(/^250 /);
  });

  it('resumes an upload with REST + STOR (storbinary rest=N), byte-exact', async () => {
    const { root, local, run } = await fixture();
    const content = randomBytes(1_000_000);
    const offset = 400_000;
    await writeFile(join(local, 'whole.bin'), content);
    await writeFile(join(root, 'partial.bin'), content.subarray(0, offset));
    const result = await run('resume-upload', join(local, 'whole.bin'), 'partial.bin', offset);
    expect(result.final).toMatch(/^226 /);
    const stored = await readFile(join(root, 'partial.bin'));
    expect(stored.byteLength).toBe(content.byteLength);
    expect(sha256(stored)).toBe(sha256(content));
  });

  it('resumes a download with REST + RETR (retrbinary rest=N)', async () => {
    const { root, run } = await fixture();
    const content = randomBytes(500_000);
    await writeFile(join(root, 'resume.bin'), content);
    const result = await run('resume-download', 'resume.bin', 123_457);
    expect(result.final).toMatch(/^226 /);
    expect(result.bytes).toBe(content.byteLength - 123_457);
    expect(result.sha256).toBe(sha256(content.subarray(123_457)));
  });

  it('aborts a large RETR with ABOR: 426, then 226, and the session keeps working', async () => {
    const { root, run } = await fixture();
    await writeFile(join(root, 'large.bin'), Buffer.alloc(64 * 1024 * 1024, 1));
    const result = await run('abort', 'large.bin', 256 * 1024);
    expect(result.received).toBeGreaterThanOrEqual(256 * 1024);
    expect(result.first).toMatch(/^426 /);
    expect(result.second).toMatch(/^226 /);
    expect(result.noop).toMatch(/^200 /);
    expect(result.pwd).toBe('/');
  });

  it('stores under a server-chosen name with STOU, announced in the 150 reply', async () => {
    const { root, run } = await fixture();
    const result = await run('stou', 'unique content');
    const name = /^150 FILE: (\S+)$/.exec(result.opening as string)?.[1];
    expect(name).toBeDefined();
    expect(result.final).toMatch(/^226 /);
    expect(await readdir(root)).toEqual([name]);
    expect(await readFile(join(root, name!), 'utf8')).toBe('unique content');
  });

  it('appends to an existing file with APPE', async () => {
    const { root, run } = await fixture();
    await writeFile(join(root, 'log.txt'), 'line one\n');
    const result = await run('appe', 'log.txt', 'line two\n');
    expect(result.final).toMatch(/^226 /);
    expect(await readFile(join(root, 'log.txt'), 'utf8')).toBe('line one\nline two\n');
  });
});
