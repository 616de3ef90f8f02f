// Runs `serverless package` the way a fresh clone with no AWS account would: no credentials, no profile, no network
// needed, output into a temporary directory so that parallel runs do not share `.serverless/`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SETTINGS, type RunSettings } from '../../functions/lib/settings';

export const projectRoot = path.join(__dirname, '..', '..');

export interface PackageResult {
  status: number | null;
  /** stdout and stderr together: the framework writes its errors to stderr. */
  output: string;
  packageDir: string;
  /** What the run left in its temporary directory, tsx's own per-user folder (a cache every run shares) aside. */
  leftInTemporaryDirectory: string[];
}

/** Environment with every way of finding AWS credentials removed. */
export function offlineEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^AWS_/.test(key)) delete env[key];
    // The framework runs as a user runs it, not as a Jest worker (code may load TypeScript differently there).
    if (/^JEST_/.test(key)) delete env[key];
  }
  const nowhere = path.join(os.tmpdir(), 'ecr-lifecycle-manager-no-aws');
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: path.join(nowhere, 'credentials'),
    AWS_CONFIG_FILE: path.join(nowhere, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CI: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    FORCE_COLOR: '0',
  };
}

/** `serverless package ARGS`, with `environment` added to the offline one (AWS_REGION, say). */
export function packageService(args: string[] = [], environment: NodeJS.ProcessEnv = {}): PackageResult {
  const packageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-lifecycle-manager-package-'));
  // A temporary directory of its own, so that what the run leaves there is seen apart from parallel runs.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-lifecycle-manager-scratch-'));
  const cli = path.join(projectRoot, 'node_modules', 'osls', 'bin', 'serverless.js');
  const result = spawnSync(process.execPath, [cli, 'package', '--package', packageDir, ...args], {
    cwd: projectRoot,
    env: { ...offlineEnvironment(), ...environment, TMPDIR: scratch },
    input: '',
    encoding: 'utf8',
    timeout: 240_000,
  });
  const leftInTemporaryDirectory = fs.readdirSync(scratch).filter((entry) => !/^tsx-/.test(entry));
  fs.rmSync(scratch, { recursive: true, force: true });
  return {
    leftInTemporaryDirectory,
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
    packageDir,
  };
}

export function readTemplate(packageDir: string): Template {
  const file = path.join(packageDir, 'cloudformation-template-update-stack.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: string; Description?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
}

/** The run settings a packaged function should read back: the schema's defaults, unless a test's stage sets others. */
export function expectedRunSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    stage: 'dev',
    dryRun: SETTINGS.dryRun.default,
    keepImages: SETTINGS.keepImages.default,
    unpulledDays: SETTINGS.unpulledDays.default,
    keepInUse: SETTINGS.keepInUse.default,
    maxConcurrency: SETTINGS.maxConcurrency.default,
    manageRootPrefix: SETTINGS.manageRootPrefix.default,
    managedPrefixes: [],
    repositorySettings: { prefixes: {}, exclude: [] },
    ...overrides,
  };
}
