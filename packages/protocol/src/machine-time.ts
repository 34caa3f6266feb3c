// RFC 3659 §2.3: time-val = 14DIGIT [ "." 1*DIGIT ], "YYYYMMDDHHMMSS" always in UTC.

const machineTimePattern = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})(?:\.([0-9]+))?$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

// A time-val has four digits of year: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
const earliestMachineTime = Date.parse('0000-01-01T00:00:00Z');
const latestMachineTime = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * True if the date is valid and its UTC year fits the four digits of a time-val. Decided on the time value alone
 * (an invalid date's is NaN), so MLSD can ask it for every line.
 */
export function isMachineTimeRepresentable(date: Date): boolean {
  const time = date.getTime();
  return time >= earliestMachineTime && time <= latestMachineTime;
}

/**
 * Formats a date as an RFC 3659 §2.3 time-val in UTC: "YYYYMMDDHHMMSS", plus ".sss" only when the milliseconds
 * are not zero. Used for MDTM replies and the "modify" fact.
 *
 * @throws RangeError for an invalid date or a year outside 0000-9999.
 */
export function formatMachineTime(date: Date): string {
  if (!isMachineTimeRepresentable(date)) {
    throw new RangeError('Date cannot be written as an RFC 3659 time-val');
  }
  // Files of one directory often share a time (written together): remember the last one, as listings ask in a row.
  const time = date.getTime();
  if (time === lastMachineTime.time) return lastMachineTime.text;
  const text =
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2);
  const milliseconds = date.getUTCMilliseconds();
  const result = milliseconds === 0 ? text : `${text}.${pad(milliseconds, 3)}`;
  lastMachineTime = { time, text: result };
  return result;
}

let lastMachineTime = { time: Number.NaN, text: '' };

/**
 * Parses an RFC 3659 §2.3 time-val "YYYYMMDDHHMMSS[.fraction]" (UTC), as sent with MFMT or MDTM. Returns undefined
 * unless every field is in range (month 1-12, a day that exists in that month, hour 0-23, minute 0-59, second
 * 0-60). A leap second "60" is read as 59.999 because Date has no leap seconds. Fraction digits beyond
 * milliseconds are truncated.
 */
export function parseMachineTime(text: string): Date | undefined {
  const match = machineTimePattern.exec(text);
  if (match === null) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] ?? '';
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const isLeapSecond = second === 60;
  const milliseconds = isLeapSecond ? 999 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, isLeapSecond ? 59 : second, milliseconds);
  return date;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
