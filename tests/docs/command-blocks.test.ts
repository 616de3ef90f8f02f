// Every command the documentation shows runs, and prints what the page says it prints.
//
// In README.md and docs/*.md, a ```bash block is a command block. It is run, unless its first line is a comment
// that starts with `# needs ` and says what it needs that a machine without an AWS account lacks
// (`# needs AWS credentials`). A ```text block is the output of the command block before it: each of its lines must
// appear in what that block printed (stdout and stderr together), in the same order; lines in between may be left
// out of the page. A command block without an output block must still succeed.
//
// Each page runs in a fresh copy of the project, its blocks in order, so a block may use a file an earlier block of
// the same page created, and nothing is written to the checkout. The copy shares the checkout's node_modules, so
// `npm ci` there is skipped: the dependencies are installed already.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFences, runnableBlocks, unmatchedLines, type CommandBlock } from './fences';

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

function run(block: CommandBlock, cwd: string): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-c', PREAMBLE + block.commands], { cwd, env: offlineEnvironment(), encoding: 'utf8', timeout: BLOCK_TIMEOUT_MS });
  return { status: result.status, output: `${result.stdout ?? ''}${result.error ? `\n${result.error.message}` : ''}` };
}

describe.each(PAGES)('%s', (page) => {
  const blocks = runnableBlocks(parseFences(readFileSync(path.join(ROOT, page), 'utf8')), page);
  let cwd: string;
  beforeAll(() => {
    cwd = projectCopy();
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
      const missing = unmatchedLines(block.expected, output);
      if (missing.length > 0) {
        throw new Error(`${page}:${block.line} did not print, in this order:\n${missing.join('\n')}\n--- it printed:\n${output}`);
      }
    },
    BLOCK_TIMEOUT_MS + 10_000,
  );
});
