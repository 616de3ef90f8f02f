// Every command the documentation shows runs, and prints what the page says it prints.
//
// In README.md and docs/*.md, a ```bash block is a command block. It is run, unless its first line is a comment
// that starts with `# needs ` and says what it needs that a machine without an AWS account lacks
// (`# needs AWS credentials`). A ```text block is the output of the command block before it (stdout and stderr
// together, blank lines and npm's own `npm warn` notices aside): all of it, line for line, except where a `...` line
// stands for lines the page leaves out, as its text should say. A command block without an output block must still
// succeed.
//
// Each page runs in a fresh copy of the project, its blocks in order, so a block may use a file an earlier block of
// the same page created, and nothing is written to the checkout. What the blocks leave in the copy must be what
// .gitignore covers: a reader following the page in a checkout is left with no stray files. The copy shares the checkout's node_modules, so
// `npm ci` there is skipped: the dependencies are installed already.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFences, quoteMismatch, runnableBlocks, type CommandBlock } from './fences';

const ROOT = path.join(__dirname, '..', '..');
const PAGES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const BLOCK_TIMEOUT_MS = 90_000;

/** What every block runs after: errors stop it, both streams in one, and `npm ci` already done. */
const PREAMBLE = `set -eo pipefail
exec 2>&1
npm() { if [ "$1" = ci ]; then return 0; fi; command npm "$@"; }
`;

/** As .ci/run has it: no AWS account is found by accident. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config', AWS_EC2_METADATA_DISABLED: 'true' };
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
  // Jest's own variables would make an `npm test` inside a block think it runs under this test.
  for (const name of Object.keys(env)) if (name.startsWith('JEST_')) delete env[name];
  return env;
}

function projectCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-docs-'));
  const skipped = new Set(['node_modules', '.git', '.serverless', 'coverage'].map((name) => path.join(ROOT, name)));
  cpSync(ROOT, dir, { recursive: true, filter: (source) => !skipped.has(source) });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Every file under `dir`, relative to it, node_modules aside. */
function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter((file) => file !== 'node_modules' && !file.startsWith(`node_modules${path.sep}`));
}

/** Of these paths (relative to the project), those the checkout's .gitignore does not cover. */
function notIgnored(files: string[]): string[] {
  if (files.length === 0) return [];
  const ignored = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], { cwd: ROOT, input: files.join('\n'), encoding: 'utf8' });
  const covered = new Set(ignored.stdout.split('\n'));
  return files.filter((file) => !covered.has(file));
}

function run(block: CommandBlock, cwd: string): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-c', PREAMBLE + block.commands], { cwd, env: offlineEnvironment(), encoding: 'utf8', timeout: BLOCK_TIMEOUT_MS });
  return { status: result.status, output: `${result.stdout ?? ''}${result.error ? `\n${result.error.message}` : ''}` };
}

describe.each(PAGES)('%s', (page) => {
  const blocks = runnableBlocks(parseFences(readFileSync(path.join(ROOT, page), 'utf8')), page);
  let cwd: string;
  let copied: Set<string>;
  beforeAll(() => {
    cwd = projectCopy();
    copied = new Set(filesOf(cwd));
  });
  afterAll(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  if (blocks.length === 0) {
    test('has no command block to run', () => {
      expect(blocks).toEqual([]);
    });
    return;
  }

  test.each(blocks.map((block) => [`line ${block.line}: ${block.commands.split('\n')[0]}`, block] as const))(
    '%s',
    (_name, block) => {
      const { status, output } = run(block, cwd);
      if (status !== 0) throw new Error(`${page}:${block.line} exited ${status}:\n${output}`);
      const mismatch = quoteMismatch(block.expected, output);
      if (mismatch) throw new Error(`${page}:${block.line}: ${mismatch}\n--- it printed:\n${output}`);
    },
    BLOCK_TIMEOUT_MS + 10_000,
  );

  test('leaves in the project only files that .gitignore covers', () => {
    expect(notIgnored(filesOf(cwd).filter((file) => !copied.has(file)))).toEqual([]);
  });
});
