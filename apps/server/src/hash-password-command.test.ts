import { PassThrough } from 'node:stream';
import { verifyPassword } from '@ftp/server';
import { describe, expect, it } from 'vitest';
import { runHashPassword } from './hash-password-command.ts';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return () => text;
}

function streams(input: PassThrough) {
  const output = new PassThrough();
  const errorOutput = new PassThrough();
  return { input, output, errorOutput, stdout: collect(output), stderr: collect(errorOutput) };
}

describe('hash-password command', () => {
  it('hashes all of piped stdin without its final line break', async () => {
    const input = new PassThrough();
    input.end('pass word\r\n');
    const io = streams(input);
    expect(await runHashPassword(io)).toBe(0);
    await expect(verifyPassword('pass word', io.stdout().trim())).resolves.toBe(true);
  });

  it('refuses an empty password', async () => {
    const input = new PassThrough();
    input.end('\n');
    const io = streams(input);
    expect(await runHashPassword(io)).toBe(1);
    expect(io.stderr()).toContain('empty password');
    expect(io.stdout()).toBe('');
  });

  it('prompts twice on a terminal, without echo, and honours backspace', async () => {
    const rawModes: boolean[] = [];
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => rawModes.push(mode) });
    const io = streams(input);
    const running = runHashPassword(io);
    input.write('secrex\u007ft\r');
    input.write('secret\r');
    expect(await running).toBe(0);
    expect(rawModes).toEqual([true, false, true, false]);
    expect(io.stderr()).toBe('Password: \nRepeat password: \n');
    await expect(verifyPassword('secret', io.stdout().trim())).resolves.toBe(true);
  });

  it('fails when the two entries differ', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    const io = streams(input);
    const running = runHashPassword(io);
    input.write('one\r');
    input.write('two\r');
    expect(await running).toBe(1);
    expect(io.stderr()).toContain('the passwords differ');
  });
});
