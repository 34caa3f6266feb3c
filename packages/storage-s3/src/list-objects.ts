import { ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import type { S3Sender } from './multipart-upload.ts';

/** One page of a ListObjectsV2 listing. */
export interface ListingPage {
  readonly objects: readonly _Object[];
  /** The CommonPrefixes of a delimiter listing, each ending in "/". */
  readonly prefixes: readonly string[];
}

/** What every listing call needs. */
export interface ListingScope {
  readonly client: S3Sender;
  readonly bucket: string;
  readonly signal: AbortSignal;
}

/**
 * Yields the pages of a ListObjectsV2 listing of `prefix`, one request at a time and only when the previous page has
 * been consumed, so a directory of any size lists in memory bounded by one page (1,000 keys).
 *
 * @param delimiter "/" for one directory level (sub-directories come back as CommonPrefixes); undefined for every key
 *   below `prefix`.
 */
export async function* listPages(
  scope: ListingScope,
  prefix: string,
  delimiter: '/' | undefined,
  pageSize = 1000,
): AsyncGenerator<ListingPage> {
  let continuationToken: string | undefined;
  do {
    const page = await scope.client.send(
      new ListObjectsV2Command({
        Bucket: scope.bucket,
        Prefix: prefix,
        MaxKeys: pageSize,
        ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
        ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
      }),
      { abortSignal: scope.signal },
    );
    const prefixes = (page.CommonPrefixes ?? []).flatMap((entry) => (entry.Prefix === undefined ? [] : [entry.Prefix]));
    yield { objects: page.Contents ?? [], prefixes };
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
}

/**
 * The first keys below `prefix` in S3's (binary) key order, at most `count`. A directory's marker key sorts before
 * everything below it, so the first key of "a/" is the marker "a/" when there is one.
 */
export async function firstKeys(scope: ListingScope, prefix: string, count: number): Promise<readonly _Object[]> {
  for await (const page of listPages(scope, prefix, undefined, count)) return page.objects.slice(0, count);
  return [];
}

/**
 * Runs `work` over `items` with at most `concurrency` calls at a time, keeping the results in order. Used for the
 * modification times of a page's sub-directories.
 */
export async function mapConcurrently<Item, Result>(
  items: readonly Item[],
  concurrency: number,
  work: (item: Item) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = new Array<Result>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as Item);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  return results;
}
