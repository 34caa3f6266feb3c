import { encodeLineBreaks } from './wire-text.ts';

/**
 * Formats an FTP reply, ending with CRLF.
 *
 * One line gives `"226 Transfer complete.\r\n"`. Several lines give the multi-line form of RFC 959 §4.2:
 * `"211-first\r\n middle\r\n211 last\r\n"`. A middle line that starts with a digit gets a leading space, so no
 * client can mistake it for the closing line (RFC 959 §4.2 only forbids "code SP", we are stricter). Other middle
 * lines are sent as given; FEAT (RFC 2389 §3.2) callers pass their own leading space.
 *
 * Text given as a string is split at LF (a CR right before the LF belongs to the line break); each array element
 * is split the same way, so an element containing a line break becomes several lines rather than a raw break.
 * A single trailing line break of a string is ignored. Any CR left inside a line is sent as CR NUL (the Telnet
 * NVT form of a bare CR, RFC 854), so text taken from a file name can never produce a CRLF and forge a reply.
 *
 * @throws RangeError if `code` is not an integer from 100 to 599.
 */
export function formatReply(code: number, text: string | readonly string[]): string {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new RangeError(`Reply code must be an integer from 100 to 599, got ${String(code)}`);
  }
  // Most replies are one line of plain text (three per small transfer): no splitting and no regular expressions.
  if (typeof text === 'string' && !text.includes('\n') && !text.includes('\r')) return `${String(code)} ${text}\r\n`;
  const lines = toLines(text).map((line) => line.replace(/\r(?!\0)/g, '\r\0'));
  if (lines.length <= 1) {
    return `${String(code)} ${lines[0] ?? ''}\r\n`;
  }
  const first = lines[0] ?? '';
  const last = lines[lines.length - 1] ?? '';
  const middle = lines.slice(1, -1).map((line) => (/^[0-9]/.test(line) ? ` ${line}\r\n` : `${line}\r\n`));
  return `${String(code)}-${first}\r\n${middle.join('')}${String(code)} ${last}\r\n`;
}

function toLines(text: string | readonly string[]): string[] {
  if (typeof text === 'string') {
    return text.replace(/\r?\n$/, '').split(/\r?\n/);
  }
  return text.flatMap((element) => element.split(/\r?\n/));
}

/**
 * Quotes a pathname for the 257 reply to PWD and MKD (RFC 959 Appendix II): wraps it in double quotes and doubles
 * every double quote inside. An LF in the path becomes NUL as Appendix II prescribes, and a CR becomes CR NUL (see
 * {@link encodeLineBreaks}), so the result is always one line.
 */
export function quotePath(path: string): string {
  return `"${encodeLineBreaks(path).replaceAll('"', '""')}"`;
}
