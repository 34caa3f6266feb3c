import { expect } from 'vitest';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { bytesFrom, chunksOf, createDeferred, noAbort, storageCodeOf } from './helpers.ts';

/** An upload the test holds open after its first chunk, then ends the way `finish` says. */
interface HeldUpload {
  readonly data: AsyncGenerator<Uint8Array>;
  /** Resolves once the connector has consumed the first chunk and asks for the next one. */
  readonly firstChunkConsumed: Promise<void>;
  /** Lets the upload go on: it throws, or yields `moreChunks` more chunks and ends. */
  release(): void;
}

function holdUpload(ending: 'throw' | { moreChunks: number }): HeldUpload {
  const consumed = createDeferred();
  const released = createDeferred();
  async function* data(): AsyncGenerator<Uint8Array> {
    yield bytesFrom('partial new content');
    consumed.resolve();
    await released.promise;
    if (ending === 'throw') throw new Error('the data connection broke');
    for (let index = 0; index < ending.moreChunks; index += 1) yield bytesFrom(`chunk ${index} `);
  }
  return { data: data(), firstChunkConsumed: consumed.promise, release: () => released.resolve() };
}

/** write: create, atomic replacement, exclusive, resume, errors. */
export function defineWriteChecks(fixture: ConformanceFixture): void {
  const { check } = fixture;

  check('write', 'creates a file and reports the bytes written', async () => {
    const result = await fixture.session.write('/new.txt', chunksOf(bytesFrom('fresh content'), 3), {
      ...noAbort,
      offset: 0,
    });
    expect(result.bytesWritten).toBe(13);
    expect(await fixture.readText('/new.txt')).toBe('fresh content');
    expect(await fixture.names('/')).toEqual(['new.txt']);
  });

  check('write', 'replaces a longer file with exactly the new content', async () => {
    await fixture.writeText('/file.txt', 'old content that is longer');
    await fixture.writeText('/file.txt', 'new');
    expect(await fixture.readText('/file.txt')).toBe('new');
    expect((await fixture.session.stat('/file.txt', noAbort)).size).toBe(3);
  });

  check('write', 'keeps old content and adds no entry while an upload runs and after it fails', async () => {
    await fixture.writeText('/file.txt', 'old content');
    const upload = holdUpload('throw');
    const writing = fixture.session.write('/file.txt', upload.data, { ...noAbort, offset: 0 });
    writing.catch(() => {});
    await upload.firstChunkConsumed;
    expect(await fixture.readText('/file.txt')).toBe('old content');
    expect(await fixture.names('/')).toEqual(['file.txt']);
    upload.release();
    await expect(writing).rejects.toBeDefined();
    expect(await fixture.readText('/file.txt')).toBe('old content');
    expect(await fixture.names('/')).toEqual(['file.txt']);
  });

  check('write', 'keeps old content and adds no entry when the signal aborts an upload', async () => {
    await fixture.writeText('/file.txt', 'old content');
    const controller = new AbortController();
    const upload = holdUpload({ moreChunks: 32 });
    const writing = fixture.session.write('/file.txt', upload.data, { signal: controller.signal, offset: 0 });
    writing.catch(() => {});
    await upload.firstChunkConsumed;
    controller.abort();
    upload.release();
    await expect(writing).rejects.toBeDefined();
    expect(await fixture.readText('/file.txt')).toBe('old content');
    expect(await fixture.names('/')).toEqual(['file.txt']);
  });

  check('write', 'shows no new file while its upload runs and none after the upload fails', async () => {
    const upload = holdUpload('throw');
    const writing = fixture.session.write('/new.txt', upload.data, { ...noAbort, offset: 0 });
    writing.catch(() => {});
    await upload.firstChunkConsumed;
    expect(await storageCodeOf(() => fixture.session.stat('/new.txt', noAbort))).toBe('ENOENT');
    expect(await fixture.names('/')).toEqual([]);
    upload.release();
    await expect(writing).rejects.toBeDefined();
    expect(await storageCodeOf(() => fixture.session.stat('/new.txt', noAbort))).toBe('ENOENT');
    expect(await fixture.names('/')).toEqual([]);
  });

  check('write', 'refuses an exclusive write over an existing file with EEXIST and creates a new one', async () => {
    await fixture.writeText('/taken.txt', 'first');
    const overwrite = () => fixture.session.write('/taken.txt', chunksOf(bytesFrom('second')), { ...noAbort, offset: 0, exclusive: true });
    expect(await storageCodeOf(overwrite)).toBe('EEXIST');
    expect(await fixture.readText('/taken.txt')).toBe('first');
    await fixture.session.write('/free.txt', chunksOf(bytesFrom('unique')), { ...noAbort, offset: 0, exclusive: true });
    expect(await fixture.readText('/free.txt')).toBe('unique');
    expect(await fixture.names('/')).toEqual(['free.txt', 'taken.txt']);
  });

  check('write', 'resumes at an offset keeping the first bytes and dropping the rest, or throws ENOTSUP', async () => {
    await fixture.writeText('/resume.txt', '0123456789');
    let code: string | undefined;
    try {
      const result = await fixture.session.write('/resume.txt', chunksOf(bytesFrom('abc')), { ...noAbort, offset: 4 });
      expect(result.bytesWritten).toBe(3);
    } catch (error) {
      code = await storageCodeOf(() => Promise.reject(error));
    }
    if (code === undefined) {
      expect(await fixture.readText('/resume.txt')).toBe('0123abc');
    } else {
      expect(code).toBe('ENOTSUP');
      expect(await fixture.readText('/resume.txt')).toBe('0123456789');
    }
  });

  check('write', 'throws ENOENT when the parent directory is missing and EISDIR for a directory', async () => {
    await fixture.session.makeDirectory('/folder', noAbort);
    const write = (path: string) => () => fixture.session.write(path, chunksOf(bytesFrom('x')), { ...noAbort, offset: 0 });
    expect(await storageCodeOf(write('/missing/file.txt'))).toBe('ENOENT');
    expect(await storageCodeOf(write('/folder'))).toBe('EISDIR');
    expect(await fixture.names('/')).toEqual(['folder']);
    expect(await fixture.names('/folder')).toEqual([]);
  });
}
