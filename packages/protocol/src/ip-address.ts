// Pure address syntax checks: @ftp/protocol does no I/O and may not import node:net (test/architecture), whose
// isIPv4/isIPv6 would otherwise do this.

const ipv4Octet = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
// No leading zeros: "010" is octal to some parsers and decimal to others, so it is refused rather than guessed.
const ipv4Pattern = new RegExp(`^${ipv4Octet}(?:\\.${ipv4Octet}){3}$`);
const hexGroupPattern = /^[0-9a-fA-F]{1,4}$/;

/** True for a dotted-quad IPv4 address such as "192.0.2.1" (four decimal octets 0-255, no leading zeros). */
export function isIpv4Address(text: string): boolean {
  return ipv4Pattern.test(text);
}

/**
 * Parses an IPv6 address in RFC 4291 §2.2 text form (hex groups, at most one "::", optionally ending in a dotted
 * IPv4 address) into its eight 16-bit groups; undefined if it is not one. Zone identifiers ("%eth0") are refused.
 */
export function parseIpv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = parseGroupList(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseGroupList(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) {
    return undefined;
  }
  const groupCount = head.length + tail.length;
  if (halves.length === 1) {
    return groupCount === 8 ? head : undefined;
  }
  // "::" stands for one or more zero groups.
  return groupCount <= 7 ? [...head, ...new Array<number>(8 - groupCount).fill(0), ...tail] : undefined;
}

/** True for an IPv6 address in text form (see {@link parseIpv6Groups}). */
export function isIpv6Address(text: string): boolean {
  return parseIpv6Groups(text) !== undefined;
}

/** Parses "a:b:c" (possibly empty, possibly ending in dotted IPv4 when it is the last part) into 16-bit groups. */
function parseGroupList(text: string, mayEndWithIpv4: boolean): number[] | undefined {
  if (text === '') {
    return [];
  }
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (hexGroupPattern.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else if (mayEndWithIpv4 && index === parts.length - 1 && isIpv4Address(part)) {
      const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
      groups.push(a * 256 + b, c * 256 + d);
    } else {
      return undefined;
    }
  }
  return groups;
}
