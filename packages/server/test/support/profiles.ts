import type { AuthenticatedUser, AuthenticatorV1 } from '@ftp/plugin-api';
import { loggedInRawSession, type RawSession } from '@ftp/test-utils';
import { expect } from 'vitest';

/** Accepts password "pw" for every user in `profiles`, returning that profile. */
export function profileAuthenticator(profiles: Record<string, Omit<AuthenticatedUser, 'username'>>): AuthenticatorV1 {
  return {
    specificationVersion: 'v1',
    name: 'profiles',
    async authenticate(request) {
      const profile = profiles[request.username];
      if (profile === undefined || request.password !== 'pw') return { outcome: 'rejected' };
      return { outcome: 'accepted', user: { username: request.username, ...profile } };
    },
  };
}

/** A raw session logged in as `user` of a `profileAuthenticator`, in binary mode. */
export async function loginAs(port: number, user: string): Promise<RawSession> {
  const session = await loggedInRawSession(port, user, 'pw');
  expect((await session.command('TYPE I')).code).toBe(200);
  return session;
}
