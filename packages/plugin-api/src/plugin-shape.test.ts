import { describe, expect, it } from 'vitest';
import { PluginVersionError } from './errors/plugin-errors.ts';
import { findPluginShapeProblem } from './plugin-shape.ts';

describe('findPluginShapeProblem', () => {
  it('accepts a v1 plugin with the required method of its contract', () => {
    expect(findPluginShapeProblem('authenticator', { specificationVersion: 'v1', authenticate() {} }, 'a')).toBeUndefined();
    expect(findPluginShapeProblem('storage', { specificationVersion: 'v1', openSession() {} }, 's')).toBeUndefined();
  });

  it.each([
    [undefined, { problem: 'not-an-object', got: 'undefined' }],
    [null, { problem: 'not-an-object', got: 'null' }],
    [
      { specificationVersion: 'v1', authenticate() {} },
      { problem: 'missing-method', method: 'openSession' },
    ],
  ])('describes %j offered as storage', (value, problem) => {
    expect(findPluginShapeProblem('storage', value, 'x')).toEqual(problem);
  });

  it('refuses another specification version with PluginVersionError naming the plugin', () => {
    expect(() =>
      findPluginShapeProblem('authenticator', { specificationVersion: 'v2', name: 'future', authenticate() {} }, undefined),
    ).toThrow(expect.objectContaining({ name: 'PluginVersionError', message: expect.stringContaining('"future"') }));
    expect(() => findPluginShapeProblem('storage', { openSession() {} }, 'pkg')).toThrow(PluginVersionError);
  });
});
