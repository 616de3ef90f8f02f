// Settings and stage names through `serverless package` itself: every setting at its lower bound with the longest
// stage AWS's name limits allow packages (the upper bounds are packaged by template.test.ts); one past them, a
// misspelt or unknown name, or a stage one character too long stops the command before anything is packaged, with
// every problem named in one message.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEEP_IMAGES, MAX_CONCURRENCY, SETTINGS, UNPULLED_DAYS } from '../../functions/lib/settings';
import { readRunSettings } from '../../functions/lib/run-settings';
import { STEPS } from '../../functions/steps';
import { Stack } from './cloudformation';
import { expectedRunSettings, packageService, readTemplate, type PackageResult } from './serverless';

const SERVICE = 'ecr-lifecycle-manager';
// Lambda function names are at most 64 characters: <service>-<stage>-<function key>.
const longestKey = Object.keys(STEPS).reduce((a, b) => (b.length > a.length ? b : a));
const LONGEST_STAGE = 'x'.repeat(64 - `${SERVICE}--${longestKey}`.length);

const LOWER_BOUNDS = {
  keepImages: KEEP_IMAGES.min,
  unpulledDays: UNPULLED_DAYS.min,
  maxConcurrency: MAX_CONCURRENCY.min,
  // CloudWatch Logs' shortest retention period.
  logRetentionInDays: 1,
};

const packageDirs: string[] = [];
function packageWith(args: string[]): PackageResult {
  const result = packageService(args);
  packageDirs.push(result.packageDir);
  return result;
}
const asParams = (settings: Record<string, unknown>) => Object.entries(settings).map(([k, v]) => `--param=${k}=${v}`);
const packaged = (result: PackageResult) => fs.existsSync(path.join(result.packageDir, 'cloudformation-template-update-stack.json'));

afterAll(() => {
  for (const dir of packageDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('serverless package accepts', () => {
  let stack: Stack;
  beforeAll(() => {
    const result = packageWith([...asParams(LOWER_BOUNDS), '--stage', LONGEST_STAGE]);
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${result.output}`);
    stack = new Stack(readTemplate(result.packageDir));
  }, 240_000);

  test('every numeric setting at its lower bound', () => {
    const functions = stack.ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(Object.keys(STEPS).length);
    for (const [, fn] of functions) {
      expect(readRunSettings(fn.Properties?.Environment?.Variables)).toEqual(
        expectedRunSettings({
          stage: LONGEST_STAGE,
          keepImages: LOWER_BOUNDS.keepImages,
          unpulledDays: LOWER_BOUNDS.unpulledDays,
          maxConcurrency: LOWER_BOUNDS.maxConcurrency,
        }),
      );
    }
    const retentions = stack.ofType('AWS::Logs::LogGroup').map(([, g]) => g.Properties?.RetentionInDays);
    expect(new Set(retentions)).toEqual(new Set([LOWER_BOUNDS.logRetentionInDays]));
  });

  test('a stage as long as the longest function name allows', () => {
    const names = stack.ofType('AWS::Lambda::Function').map(([, fn]) => String(fn.Properties?.FunctionName));
    expect(Math.max(...names.map((name) => name.length))).toBe(64);
  });
});

describe('serverless package refuses, before anything is packaged', () => {
  test('every setting one past its bound, misspelt and unknown names and a stage too long, all in one message', () => {
    const past = {
      keepImages: KEEP_IMAGES.min - 1,
      unpulledDays: UNPULLED_DAYS.max + 1,
      maxConcurrency: MAX_CONCURRENCY.max + 1,
      logRetentionInDays: 3654,
      dryRun: 'yes',
      manageRootPrefix: 'on',
      cloudTrailEvents: 'off',
      pullThroughCacheEvents: 'no',
      manageOnlyConfiguredRules: '1',
      schedule: 'daily',
      alarmNotification: 'ops',
    };
    const stage = `${LONGEST_STAGE}y`;
    const result = packageWith([...asParams(past), '--param=keepimages=2', '--param=nosuch=1', '--stage', stage]);
    expect(result.status).not.toBe(0);
    expect(packaged(result)).toBe(false);
    for (const [name, value] of Object.entries(past)) {
      expect(result.output).toContain(`${name} must be ${SETTINGS[name as keyof typeof SETTINGS].expected}, got "${value}"`);
    }
    expect(result.output).toContain('unknown setting keepimages (did you mean keepImages?)');
    expect(result.output).toContain('unknown setting nosuch');
    expect(result.output).toContain(`stage "${stage}" is too long`);
    expect(result.output).toContain(`use a stage of at most ${LONGEST_STAGE.length} characters`);
    // One message: the framework reports the configuration once, not once per value derived from it.
    expect(result.output.match(/Invalid configuration/g)).toHaveLength(1);
  }, 120_000);

  test.each([
    [['--param', 'keepimages=2'], 'unknown setting keepimages (did you mean keepImages?)'],
    [['--param=nosuch=1'], 'unknown setting nosuch'],
    [['--stage', `${LONGEST_STAGE}y`], `use a stage of at most ${LONGEST_STAGE.length} characters`],
  ])('%j, saying "%s"', (args, message) => {
    const result = packageWith(args);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(message);
    expect(packaged(result)).toBe(false);
  }, 120_000);
});
