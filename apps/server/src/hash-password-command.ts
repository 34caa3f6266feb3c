import { hashPassword } from '@ftp/server';

/** Streams the command uses; `process.stdin`, `process.stdout` and `process.stderr` in the app. */
export interface CommandStreams {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly output: NodeJS.WritableStream;
  readonly errorOutput: NodeJS.WritableStream;
}

/**
 * `ftp-server hash-password`: reads a password (a prompt without echo on a terminal, asked twice; otherwise all of
 * stdin without its final line break) and prints its scrypt hash. Returns the exit code.
 */
export async function runHashPassword(streams: CommandStreams): Promise<number> {
  let password: string;
  if (streams.input.isTTY === true && streams.input.setRawMode !== undefined) {
    password = await promptHidden('Password: ', streams);
    const repeated = await promptHidden('Repeat password: ', streams);
    if (repeated !== password) {
      streams.errorOutput.write('ftp-server: the passwords differ\n');
      return 1;
    }
  } else {
    password = (await readAll(streams.input)).replace(/\r?\n$/, '');
  }
  if (password === '') {
    streams.errorOutput.write('ftp-server: refusing to hash an empty password\n');
    return 1;
  }
  streams.output.write(`${await hashPassword(password)}\n`);
  return 0;
}

/** All of `input`, as UTF-8 text. */
export async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes `prompt` to the error output and reads one line from a terminal without echoing it; rejects on Ctrl-C/Ctrl-D. */
export function promptHidden(prompt: string, streams: CommandStreams): Promise<string> {
  const { input, errorOutput } = streams;
  errorOutput.write(prompt);
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const finish = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      errorOutput.write('\n');
    };
    const onData = (chunk: string | Buffer) => {
      for (const character of String(chunk)) {
        if (character === '\r' || character === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (character === '\u0003' || character === '\u0004') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        // Backspace and DEL remove the last character, as a terminal in cooked mode would.
        if (character === '\u007f' || character === '\b') value = [...value].slice(0, -1).join('');
        else value += character;
      }
    };
    input.on('data', onData);
  });
}
