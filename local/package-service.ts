// `serverless package` run from the command line, as `npm run package` runs it, into a folder of its own: the
// CloudFormation template, the functions' zip files and the framework's state. Packaging needs no AWS credentials.
// A configuration that packaging refuses comes back as the problems it names, one per line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './runner';
import type { CloudFormationTemplate } from './stack-set-template';

export interface PackagedService {
  /** The folder `serverless package --package` wrote; the caller removes it. */
  dir: string;
  service: string;
  template: CloudFormationTemplate;
  /** The zip file of each function the template holds, by its file name (`listCachedRepositories.zip`). */
  artifact(fileName: string): Buffer;
}

/** Packaging refused the configuration; `problems` are the lines it gave. */
export class PackagingRefused extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export function packageService(stage: string, params: string[]): PackagedService {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-package-'));
  // serverless-esbuild bundles each function in a copy under TMPDIR and leaves the copy behind.
  const scratch = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-scratch-'));
  const cli = path.join(PROJECT_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  const args = ['package', '--package', dir, '--stage', stage, ...params.map((param) => `--param=${param}`)];
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TMPDIR: scratch, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', FORCE_COLOR: '0' },
    input: '',
    encoding: 'utf8',
  });
  rmSync(scratch, { recursive: true, force: true });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new PackagingRefused(refusal(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`));
  }
  const state = JSON.parse(readFileSync(path.join(dir, 'serverless-state.json'), 'utf8')) as { service: { service: string } };
  return {
    dir,
    service: state.service.service,
    template: JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as CloudFormationTemplate,
    artifact: (fileName) => readFileSync(path.join(dir, path.basename(fileName))),
  };
}

/**
 * What packaging said was wrong: the lines under the "Invalid configuration:" that deploy/derived.ts raises, or
 * else the framework's own error, the text after its "Error:" line.
 */
function refusal(output: string): string[] {
  const lines = output.split('\n');
  const heading = lines.findIndex((line) => /Invalid configuration:\s*$/.test(line));
  if (heading >= 0) {
    const following = lines.slice(heading + 1);
    const end = following.findIndex((line) => !/^ {2}\S/.test(line));
    const problems = following.slice(0, end < 0 ? following.length : end);
    if (problems.length > 0) return problems.map((line) => line.trim());
  }
  const error = lines.findIndex((line) => line.trim() === 'Error:');
  const said = (error >= 0 ? lines.slice(error + 1) : lines).map((line) => line.trim()).filter(Boolean);
  return said.length > 0 ? said : ['serverless package failed without a message'];
}
