import mime from 'mime';

/**
 * The Content-Type of an object named `path`, from its extension in the `mime` package's table (what browsers and
 * the S3 console show it as); undefined for a name without a known extension, which S3 then serves as
 * binary/octet-stream.
 */
export function contentTypeOf(path: string): string | undefined {
  return mime.getType(path) ?? undefined;
}
