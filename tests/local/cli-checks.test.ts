// The command line's checks of its own arguments: one line naming the option and what is wrong, nothing changed.
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listenProblem, outputFileProblem, referenceTimeProblem, sameFileProblem } from '../../local/cli-checks';
import { startEcrEndpoint } from '../../local/ecr/server';

const dir = mkdtempSync(join(tmpdir(), 'cli-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectOneLine(problem: string | undefined): string {
  expect(problem).toBeDefined();
  expect(problem).not.toContain('\n');
  return problem as string;
}

describe('a reference time (--now)', () => {
  it.each(['2026-11-28T00:00:00Z', '2026-11-28T00:00Z', '2028-02-29T23:59:59.999+05:30', '2026-12-31T00:00:00-12:00'])(
    'accepts %s',
    (value) => {
      expect(referenceTimeProblem('--now', value)).toBeUndefined();
    },
  );

  it.each<[string, string]>([
    ['2026-02-30T00:00:00Z', 'February 2026 has no day 30'],
    ['2026-02-29T00:00:00Z', 'February 2026 has no day 29'],
    ['2026-04-31T00:00:00Z', 'April 2026 has no day 31'],
    ['2026-11-00T00:00:00Z', 'November 2026 has no day 0'],
    ['2026-13-01T00:00:00Z', 'there is no month 13'],
    ['2026-00-10T00:00:00Z', 'there is no month 0'],
    ['2026-11-28T24:00:00Z', 'not a time of day'],
    ['2026-11-28T23:60:00Z', 'not a time of day'],
    ['2026-11-28T23:59:60Z', 'not a time of day'],
    ['2026-11-28T00:00:00+24:00', 'not a time zone offset'],
  ])('refuses %s, which has the shape of a time but is no real one', (value, why) => {
    expect(expectOneLine(referenceTimeProblem('--now', value))).toBe(`--now ${value}: ${why}${why === 'not a time of day' ? ' (hours 00-23, minutes and seconds 00-59)' : ''}`);
  });

  it.each(['2026-11-28', '2026-11-28T00:00:00', 'yesterday', '28/11/2026 00:00Z', ' 2026-11-28T00:00:00Z'])(
    'refuses %s, which lacks a time of day or a zone',
    (value) => {
      expect(expectOneLine(referenceTimeProblem('--now', value))).toBe(`--now ${value}: expected an ISO 8601 time with a zone, e.g. 2026-11-28T00:00:00Z`);
    },
  );
});

describe('a file the command writes (--registry-out, --plan)', () => {
  it('accepts a new file in an existing folder, and leaves nothing behind', () => {
    const folder = mkdtempSync(join(dir, 'new-'));
    expect(outputFileProblem('--plan', join(folder, 'plan.json'))).toBeUndefined();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('accepts an existing file and leaves its contents as they were', () => {
    const file = join(dir, 'existing.json');
    writeFileSync(file, '{"kept": true}\n');
    expect(outputFileProblem('--registry-out', file)).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('{"kept": true}\n');
  });

  it('accepts a file name relative to the working folder', () => {
    expect(outputFileProblem('--plan', relative(process.cwd(), join(dir, 'relative.json')))).toBeUndefined();
  });

  it('refuses a file in a folder that does not exist', () => {
    const file = join(dir, 'no-such-folder', 'plan.json');
    expect(expectOneLine(outputFileProblem('--plan', file))).toBe(`--plan ${file}: folder ${join(dir, 'no-such-folder')} does not exist`);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });

  it('refuses a folder', () => {
    expect(expectOneLine(outputFileProblem('--registry-out', dir))).toBe(`--registry-out ${dir}: is a folder; give a file name`);
  });

  it('refuses a path through a file as if it were a folder', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(expectOneLine(outputFileProblem('--plan', join(file, 'plan.json')))).toBe(`--plan ${join(file, 'plan.json')}: ${file} is not a folder`);
  });

  // Permission bits do not stop root, so as root the test writes where the kernel refuses everyone: sysfs lets
  // nobody create files. Elsewhere a folder without write permission does.
  const root = process.getuid?.() === 0;
  const sysfs = root && existsSync('/sys/kernel');
  (root && !sysfs ? it.skip : it)('refuses a file it has no permission to write', () => {
    let folder = '/sys';
    if (!root) {
      folder = mkdtempSync(join(dir, 'read-only-'));
      chmodSync(folder, 0o500);
    }
    const file = join(folder, 'plan.json');
    expect(expectOneLine(outputFileProblem('--plan', file))).toMatch(
      new RegExp(`^--plan ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no permission to write it \\((EACCES|EPERM|EROFS)\\)$`),
    );
    expect(existsSync(file)).toBe(false);
  });
});

describe('files that must differ (--registry and --registry-out)', () => {
  const registry = join(dir, 'registry.json');
  beforeAll(() => writeFileSync(registry, '{}'));

  it('accepts different files, and options left unset', () => {
    expect(sameFileProblem([['--registry', registry], ['--registry-out', join(dir, 'out.json')], ['--plan', undefined]])).toBeUndefined();
  });

  it('refuses the registry file given again as the output, however the path is spelt', () => {
    const spellings = [registry, relative(process.cwd(), registry), join(dir, '.', 'sub', '..', 'registry.json')];
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const out of spellings) {
      expect(expectOneLine(sameFileProblem([['--registry', registry], ['--registry-out', out]]))).toBe(
        `--registry-out ${out}: is the same file as --registry ${registry}; give another path`,
      );
    }
  });

  it('refuses a symbolic link to the registry file, and a hard link to it', () => {
    const symbolic = join(dir, 'symbolic.json');
    const hard = join(dir, 'hard.json');
    symlinkSync(registry, symbolic);
    linkSync(registry, hard);
    expect(sameFileProblem([['--registry', registry], ['--registry-out', symbolic]])).toMatch(/^--registry-out .*symbolic\.json: is the same file as --registry/);
    expect(sameFileProblem([['--registry', registry], ['--registry-out', hard]])).toMatch(/^--registry-out .*hard\.json: is the same file as --registry/);
  });

  it('refuses two outputs to one file that does not exist yet', () => {
    const out = join(dir, 'later.json');
    expect(sameFileProblem([['--registry', registry], ['--registry-out', out], ['--plan', out]])).toBe(
      `--plan ${out}: is the same file as --registry-out ${out}; give another path`,
    );
  });

  it('refuses a file not there yet reached through a symbolic link to its folder', () => {
    const linkedFolder = join(dir, 'linked-folder');
    symlinkSync(dir, linkedFolder);
    expect(sameFileProblem([['--registry-out', join(dir, 'x.json')], ['--plan', join(linkedFolder, 'x.json')]])).toMatch(/^--plan .*: is the same file as --registry-out/);
  });
});

describe('a port already in use (serve --port)', () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('turns the embedded endpoint failing to listen into one line naming the port', async () => {
    const error = await startEcrEndpoint({ pullThroughCacheRules: [], repositories: [] }, { port }).then(
      async (endpoint) => {
        await endpoint.close();
        throw new Error(`expected port ${port} to be in use`);
      },
      (failure: unknown) => failure,
    );
    expect(expectOneLine(listenProblem(error, port))).toBe(
      `--port ${port}: port ${port} on 127.0.0.1 is already in use; choose another, or leave --port out for a free one`,
    );
  });

  it('leaves other errors to be reported as they are', () => {
    expect(listenProblem(new Error('boom'), port)).toBeUndefined();
  });
});
