import { describe, expect, it } from 'vitest';
import { isWithin, normaliseMountPath, pathInside } from './mount-paths.ts';

describe('normaliseMountPath', () => {
  it('takes absolute paths, dropping a trailing "/"', () => {
    expect(normaliseMountPath('/')).toBe('/');
    expect(normaliseMountPath('/archive/')).toBe('/archive');
    expect(normaliseMountPath('/team/docs')).toBe('/team/docs');
  });

  it('refuses what is not a plain path inside the tree', () => {
    for (const path of ['', 'archive', '/a/../b', '/a/./b', '//a', '/a//b', '/..', '/a\0b', 42, undefined]) {
      expect(normaliseMountPath(path), String(path)).toBeUndefined();
    }
  });
});

describe('isWithin and pathInside', () => {
  it('match whole segments only', () => {
    expect(isWithin('/archive/a.txt', '/archive')).toBe(true);
    expect(isWithin('/archive', '/archive')).toBe(true);
    expect(isWithin('/archived.txt', '/archive')).toBe(false);
    expect(isWithin('/anything', '/')).toBe(true);
    expect(pathInside('/archive/2024/a.txt', '/archive')).toBe('/2024/a.txt');
    expect(pathInside('/archive', '/archive')).toBe('/');
    expect(pathInside('/a.txt', '/')).toBe('/a.txt');
  });
});
