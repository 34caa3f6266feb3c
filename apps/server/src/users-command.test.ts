import { describe, expect, it } from 'vitest';
import { parseCliArguments, UsageError } from './cli-arguments.ts';
import { parseUsersArguments } from './users-command.ts';

describe('ftp-server users arguments', () => {
  it('is chosen by the app wherever --config stands, with the whole line handed on', () => {
    for (const argv of [
      ['users', 'list', '--config', 'ftp.json'],
      ['--config', 'ftp.json', 'users', 'list'],
      ['-c', 'ftp.json', 'users', 'add', 'bob', '--home', '/in'],
    ]) {
      expect(parseCliArguments(argv)).toEqual({ command: 'users', argv });
    }
  });

  it('reads each action with its options', () => {
    expect(parseUsersArguments(['users', 'add', 'bob', '--home', '/in', '--root', '/b', '--password-stdin', '-c', 'f.json'])).toEqual({
      configFile: 'f.json',
      request: { action: 'add', username: 'bob', homeDirectory: '/in', rootDirectory: '/b', passwordStdin: true },
    });
    expect(parseUsersArguments(['--config', 'f.json', 'users', 'passwd', 'bob'])).toEqual({
      configFile: 'f.json',
      request: { action: 'passwd', username: 'bob', passwordStdin: false },
    });
    expect(parseUsersArguments(['users', 'disable', 'bob']).request).toEqual({ action: 'disable', username: 'bob' });
    expect(parseUsersArguments(['users', 'enable', 'bob']).request).toEqual({ action: 'enable', username: 'bob' });
    expect(parseUsersArguments(['users', 'delete', 'bob']).request).toEqual({ action: 'delete', username: 'bob' });
    expect(parseUsersArguments(['users', 'list', '--json']).request).toEqual({ action: 'list', json: true });
    expect(parseUsersArguments(['users', '--help']).request).toEqual({ action: 'help' });
    expect(parseUsersArguments(['users', 'add', '--help']).request).toEqual({ action: 'help' });
  });

  it.each([
    [['users'], 'missing the action'],
    [['users', 'rename', 'bob'], 'unknown action "rename"'],
    [['users', 'add'], '"users add" needs a user name'],
    [['users', 'disable', 'bob', 'carol'], 'unexpected argument "carol"'],
    [['users', 'list', 'bob'], 'unexpected argument "bob"'],
    [['users', 'passwd', 'bob', '--home', '/x'], '--home does not apply to "users passwd"'],
    [['users', 'list', '--password-stdin'], '--password-stdin does not apply to "users list"'],
    [['users', 'add', 'bob', '--root', 'relative'], '--root must be an absolute path'],
    [['users', 'add', 'bob', '--password', 'x'], "Unknown option '--password'"],
  ])('refuses %j naming the cause', (argv, message) => {
    expect(() => parseUsersArguments(argv)).toThrow(UsageError);
    expect(() => parseUsersArguments(argv)).toThrow(message);
  });
});
