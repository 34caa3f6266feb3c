import { describe, expect, it } from 'vitest';
import { responseOutcome } from './response-outcome.ts';

describe('responseOutcome', () => {
  it.each([
    [200, new Set([200]), 'success'],
    [204, new Set([200]), 'rejected'],
    [204, new Set([200, 204]), 'success'],
    [401, new Set([200]), 'rejected'],
    [403, new Set([200]), 'rejected'],
    [404, new Set([200]), 'rejected'],
    [301, new Set([200]), 'unavailable'],
    [302, new Set([200]), 'unavailable'],
    [307, new Set([200]), 'unavailable'],
    [408, new Set([200]), 'unavailable'],
    [429, new Set([200]), 'unavailable'],
    [500, new Set([200]), 'unavailable'],
    [503, new Set([200]), 'unavailable'],
  ])('reads %i with success statuses %o as %s', (status, successStatuses, outcome) => {
    expect(responseOutcome(status, successStatuses)).toBe(outcome);
  });
});
