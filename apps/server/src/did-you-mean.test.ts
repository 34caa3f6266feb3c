import { describe, expect, it } from 'vitest';
import { closestMatch } from './did-you-mean.ts';

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
});
