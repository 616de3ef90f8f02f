// Stage params are checked before anything is packaged: a bad value stops `serverless package` with a message that
// names it. (That good overrides reach the template is in template.test.ts, which packages one service at a time.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfig } from '../../functions/lib/config';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { packageService, projectRoot } from './serverless';

// The variable source serverless.yml reads its params through, given the validators it would load itself.
const paramsModule = require(path.join(projectRoot, 'deploy', 'params.js')) as {
  checkParams: (raw: Record<string, unknown>, validators: object) => Record<string, unknown>;
};
const checkParams = (raw: Record<string, unknown>) => paramsModule.checkParams(raw, { lifecyclePolicyText, readConfig });
const DEFAULTS = {
  dryRun: false,
  schedule: 'cron(0 2 * * ? *)',
  keepImages: 1,
  unpulledDays: 30,
  maxConcurrency: 4,
  manageRootPrefix: false,
  logRetentionInDays: 14,
  cloudTrailEvents: true,
  pullThroughCacheEvents: true,
  alarmNotification: '',
};

const packageDirs: string[] = [];

function packageWith(params: Record<string, string>) {
  const result = packageService(Object.entries(params).map(([k, v]) => `--param=${k}=${v}`));
  packageDirs.push(result.packageDir);
  return result;
}

afterAll(() => {
  for (const dir of packageDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('serverless package refuses', () => {
  test('keepImages 0, naming the lifecycle rule ECR would reject', () => {
    const result = packageWith({ keepImages: '0' });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('keepImages=0');
    expect(result.output).toContain('rule 1: countNumber must be an integer >= 1');
    expect(fs.existsSync(`${result.packageDir}/cloudformation-template-update-stack.json`)).toBe(false);
  }, 120_000);

  test('a fractional unpulledDays', () => {
    const result = packageWith({ unpulledDays: '1.5' });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('unpulledDays must be a whole number >= 0, got "1.5"');
  }, 120_000);
});

describe('the params check', () => {
  test('accepts the defaults as YAML gives them and as --param strings', () => {
    expect(checkParams(DEFAULTS)).toEqual(expect.objectContaining({ keepImages: 1, unpulledDays: 30, dryRun: false }));
    const strings = Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, String(v)]));
    expect(checkParams(strings)).toEqual(checkParams(DEFAULTS));
  });

  test.each([
    [{ keepImages: 0 }, 'rule 1: countNumber must be an integer >= 1'],
    [{ unpulledDays: '1.5' }, 'unpulledDays must be a whole number >= 0, got "1.5"'],
    [{ unpulledDays: '-1' }, 'unpulledDays must be a whole number >= 0, got "-1"'],
    [{ keepImages: 'one' }, 'keepImages must be a whole number'],
    [{ maxConcurrency: '0' }, 'maxConcurrency must be 1..10000, got 0'],
    [{ dryRun: 'yes' }, 'dryRun must be true or false, got "yes"'],
    [{ logRetentionInDays: '15' }, "logRetentionInDays must be one of CloudWatch Logs' periods"],
    [{ schedule: 'daily' }, 'schedule must be an EventBridge cron(...) or rate(...) expression'],
    [{ unpulledDays: 2.5 }, 'unpulledDays must be a whole number >= 0, got 2.5'],
    [{ cloudTrailEvents: 'on' }, 'cloudTrailEvents must be true or false, got "on"'],
    [{ pullThroughCacheEvents: 'no' }, 'pullThroughCacheEvents must be true or false, got "no"'],
    [{ alarmNotification: 'ops' }, 'alarmNotification must be empty, an e-mail address or the ARN of a standard SNS topic'],
    [{ alarmNotification: 'arn:aws:sns:eu-west-1:123456789012:alarms.fifo' }, 'alarmNotification must be empty, an e-mail address'],
    [{ alarmNotification: 'arn:aws:sqs:eu-west-1:123456789012:alarms' }, 'alarmNotification must be empty, an e-mail address'],
  ])('refuses %j with "%s"', (params, message) => {
    expect(() => checkParams({ ...DEFAULTS, ...params })).toThrow(message);
  });
});

describe('the alarm notification', () => {
  test.each([
    ['', { email: '', topicArn: '' }],
    ['  ', { email: '', topicArn: '' }],
    ['ops@example.com', { email: 'ops@example.com', topicArn: '' }],
    ['arn:aws:sns:eu-west-1:123456789012:ops-alarms', { email: '', topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms' }],
    ['arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops', { email: '', topicArn: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops' }],
  ])('%j is %j', (value, expected) => {
    expect(checkParams({ ...DEFAULTS, alarmNotification: value }).alarmNotification).toEqual(expected);
  });

  test('the event switches arrive as booleans, from YAML or --param', () => {
    expect(checkParams({ ...DEFAULTS, cloudTrailEvents: 'false', pullThroughCacheEvents: false })).toEqual(
      expect.objectContaining({ cloudTrailEvents: false, pullThroughCacheEvents: false }),
    );
  });
});
