import { describe, expect, it } from 'vitest';
import { formatMachineTime, isMachineTimeRepresentable, parseMachineTime } from './machine-time.ts';

describe('formatMachineTime', () => {
  it.each([
    { iso: '2024-01-01T12:00:00.000Z', expected: '20240101120000' },
    { iso: '1970-01-01T00:00:00.000Z', expected: '19700101000000' },
    { iso: '2024-02-29T23:59:59.123Z', expected: '20240229235959.123' },
    { iso: '2024-02-29T23:59:59.050Z', expected: '20240229235959.050' },
    { iso: '0099-12-31T00:00:00.000Z', expected: '00991231000000' },
    { iso: '9999-12-31T23:59:59.999Z', expected: '99991231235959.999' },
  ])('formats $iso', ({ iso, expected }) => {
    expect(formatMachineTime(new Date(iso))).toBe(expected);
  });

  it('uses UTC, not the local time zone', () => {
    // 2024-06-01 00:30 in UTC+2 is still 31 May in UTC.
    expect(formatMachineTime(new Date('2024-06-01T00:30:00+02:00'))).toBe('20240531223000');
  });

  it.each([
    { name: 'an invalid date', date: new Date(Number.NaN) },
    { name: 'year 10000', date: new Date('+010000-01-01T00:00:00Z') },
    { name: 'a negative year', date: new Date('-000001-01-01T00:00:00Z') },
  ])('throws for $name', ({ date }) => {
    expect(isMachineTimeRepresentable(date)).toBe(false);
    expect(() => formatMachineTime(date)).toThrow(RangeError);
  });
});

describe('parseMachineTime', () => {
  it.each([
    { text: '20240101120000', iso: '2024-01-01T12:00:00.000Z' },
    { text: '20240229235959', iso: '2024-02-29T23:59:59.000Z' },
    { text: '20240101120000.5', iso: '2024-01-01T12:00:00.500Z' },
    { text: '20240101120000.123456', iso: '2024-01-01T12:00:00.123Z' },
    { text: '00500101000000', iso: '0050-01-01T00:00:00.000Z' },
    { text: '20161231235960', iso: '2016-12-31T23:59:59.999Z' },
  ])('parses $text', ({ text, iso }) => {
    expect(parseMachineTime(text)?.toISOString()).toBe(new Date(iso).toISOString());
  });

  it.each([
    '',
    '2024010112000',
    '202401011200000',
    '20240101120000.',
    '20240101120000Z',
    ' 20240101120000',
    '2024-01-01T12:00:00Z',
    '20241301120000',
    '20240001120000',
    '20240100120000',
    '20230229120000',
    '20240431120000',
    '20240101240000',
    '20240101126000',
    '20240101120061',
    '２０２４0101120000',
  ])('refuses "%s"', (text) => {
    expect(parseMachineTime(text)).toBeUndefined();
  });

  it('round-trips with formatMachineTime', () => {
    for (const iso of ['2001-09-09T01:46:40.000Z', '2038-01-19T03:14:08.001Z', '1999-12-31T23:59:59.999Z']) {
      const date = new Date(iso);
      expect(parseMachineTime(formatMachineTime(date))?.getTime()).toBe(date.getTime());
    }
  });
});
