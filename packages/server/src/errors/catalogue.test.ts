import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

it('documents every FTP_ERR_* code the packages throw in docs/errors.md', () => {
  const codes = new Set<string>();
  for (const file of sourceFiles(join(repositoryRoot, 'packages'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/'(FTP_ERR_[A-Z_]+)'/g)) codes.add(match[1]!);
  }
  const documentation = readFileSync(join(repositoryRoot, 'docs', 'errors.md'), 'utf8');
  expect(codes.size).toBeGreaterThan(5);
  const undocumented = [...codes].filter((code) => !documentation.includes(`### ${code}`));
  expect(undocumented).toEqual([]);
});
