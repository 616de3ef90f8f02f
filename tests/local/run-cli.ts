// Runs the `ecr-lifecycle` command line in-process, as a user would from a shell, and collects what it prints.
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../local/cli';

/** A writable stream that keeps what is written to it. */
export class Collect extends Writable {
  text = '';
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  const out = new Collect();
  const err = new Collect();
  const code = await main(['node', 'ecr-lifecycle', ...args], { out, err } as unknown as Parameters<typeof main>[1]);
  return { code, stdout: out.text, stderr: err.text };
}

/** The command line with a stdin that is a terminal answering `answer`, or (undefined) a stdin that is no terminal. */
export async function runCliAnswering(answer: string | undefined, args: string[]): Promise<CliRun> {
  const out = new Collect();
  const err = new Collect();
  const stdin = Object.assign(new PassThrough(), { isTTY: answer !== undefined });
  if (answer !== undefined) stdin.end(answer);
  else stdin.end();
  const code = await main(['node', 'ecr-lifecycle', ...args], { out, err, in: stdin } as unknown as Parameters<typeof main>[1]);
  return { code, stdout: out.text, stderr: err.text };
}

/** Runs `work` with these environment variables set (undefined: unset), and puts the environment back after. */
export async function withEnvironment<T>(environment: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(environment);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}

/** Bad input as the command line reports it: exit 2, nothing on stdout, one line on stderr saying what is wrong. */
export function expectBadInput(result: CliRun, says: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(says);
}
