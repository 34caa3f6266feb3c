import { describe, expect, it } from 'vitest';
import { parseCliArguments, UsageError } from './cli-arguments.ts';

describe('parseCliArguments', () => {
  it.each([
    [[], { command: 'serve', configFile: undefined }],
    [['--config', 'a.json'], { command: 'serve', configFile: 'a.json' }],
    [['-c', 'a.json'], { command: 'serve', configFile: 'a.json' }],
    [['--config=a.json'], { command: 'serve', configFile: 'a.json' }],
    [['--help'], { command: 'help' }],
    [['-h'], { command: 'help' }],
    [['--version'], { command: 'version' }],
    [['-v'], { command: 'version' }],
    [['hash-password'], { command: 'hash-password' }],
  ])('parses %j', (argv, expected) => {
    expect(parseCliArguments(argv)).toEqual(expected);
  });

  it.each([[['--port', '21']], [['serve']], [['hash-password', 'extra']], [['--config']], [['--version=1']]])('rejects %j', (argv) => {
    expect(() => parseCliArguments(argv)).toThrow(UsageError);
  });
});
