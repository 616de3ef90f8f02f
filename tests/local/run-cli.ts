// Runs the `ecr-lifecycle` command line in-process, as a user would from a shell, and collects what it prints.
import { Writable } from 'node:stream';
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
