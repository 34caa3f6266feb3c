import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from './did-you-mean.ts';

describe('closestMatch', () => {
  const keys = ['ftpPort', 'ftpAddr', 'minPassivePort', 'maxPassivePort', 'logLevel'];
  it.each([
    ['ftpport', 'ftpPort'],
    ['FTP_PORT', 'ftpPort'],
    ['ftpAdr', 'ftpAddr'],
    ['minPasivePort', 'minPassivePort'],
    ['loglevel', 'logLevel'],
    ['colour', undefined],
    ['minPass', 'minPassivePort'],
    ['ftpA', 'ftpAddr'],
    ['ftp', undefined],
  ])('suggests %s → %s', (input, expected) => {
    expect(closestMatch(input, keys)).toBe(expected);
  });

  it('computes edit distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
