import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@ftp/plugin-api';
import { PassiveAddressResolver } from './passive-address.ts';

const query = (clientAddress: string) => ({ clientAddress, localAddress: '192.0.2.1', dialledAddress: undefined });

describe('PassiveAddressResolver', () => {
  it('re-resolves a host name once its cache entry expired, and every time with a zero cache', async () => {
    const answers = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
    const asked: string[] = [];
    const resolver = new PassiveAddressResolver('ftp.example.test', 0, async (hostname) => {
      asked.push(hostname);
      return answers[asked.length - 1]!;
    });
    expect(await resolver.addressFor(query('203.0.113.1'))).toBe('198.51.100.1');
    expect(await resolver.addressFor(query('203.0.113.1'))).toBe('198.51.100.2');
    expect(asked).toEqual(['ftp.example.test', 'ftp.example.test']);

    let lookups = 0;
    const cached = new PassiveAddressResolver('ftp.example.test', 60_000, async () => `198.51.100.${++lookups}`);
    for (let round = 0; round < 5; round++) expect(await cached.addressFor(query('203.0.113.1'))).toBe('198.51.100.1');
    expect(lookups).toBe(1);
  });

  it('answers 425 when the host name does not resolve', async () => {
    const resolver = new PassiveAddressResolver('gone.example.test', 0, () => Promise.reject(new Error('ENOTFOUND')));
    await expect(resolver.addressFor(query('203.0.113.1'))).rejects.toMatchObject({ replyCode: 425 });
  });

  it('matches IPv6 and IPv4-mapped clients, falling back to the dialled then the local address', async () => {
    const resolver = new PassiveAddressResolver(
      [
        { clients: '2001:db8::/32', address: '198.51.100.6' },
        { clients: '10.1.0.0/16', address: '10.1.0.1' },
      ],
      0,
    );
    expect(await resolver.addressFor(query('2001:db8:1::5'))).toBe('198.51.100.6');
    expect(await resolver.addressFor(query('::ffff:10.1.2.3'))).toBe('10.1.0.1');
    expect(await resolver.addressFor(query('10.2.0.1'))).toBe('192.0.2.1');
    expect(await resolver.addressFor({ ...query('10.2.0.1'), dialledAddress: '203.0.113.80' })).toBe('203.0.113.80');
  });

  it('names the bad entry at start', () => {
    expect(
      () =>
        new PassiveAddressResolver(
          [
            { clients: '10.0.0.0/8', address: '10.0.0.1' },
            { clients: '10.0.0.0/40', address: '10.0.0.2' },
          ],
          0,
        ),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining('passive.address[1].clients') }));
    expect(() => new PassiveAddressResolver('fe80::1', 0)).toThrow(InvalidOptionError);
  });
});
