// What every command of the command line shares about its input and output: where it writes and reads, and bad
// input, which local/cli.ts prints as one line on stderr with exit status 2, before anything is changed.
import path from 'node:path';
import { readRegistryFile, type Registry } from './ecr/registry-file';

/** The bundled demo registry that --demo reads. */
export const DEMO_REGISTRY = path.join(__dirname, '..', 'fixtures', 'demo-registry.json');

/** Where the command line writes and, to confirm a real --aws run, reads: a terminal only when `isTTY`. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
  in?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** Bad input: reported as one line, exit 2, before anything is changed. */
export class BadInput extends Error {}

/** A registry file, or what is wrong with it: one line, or every problem on a line of its own under a heading. */
export function loadRegistry(file: string): Registry {
  try {
    return readRegistryFile(file);
  } catch (error) {
    const problems = (error as Error).message.split('\n');
    throw new BadInput(problems.length === 1 ? problems[0] : `invalid registry file:\n  ${problems.join('\n  ')}`);
  }
}

/** The registry file a command reads (--registry FILE or --demo), with the option that names it. */
export function registryArgument(options: { registry?: string; demo?: boolean }): [option: string, file: string | undefined] {
  return options.demo ? ['--demo', DEMO_REGISTRY] : ['--registry', options.registry];
}
