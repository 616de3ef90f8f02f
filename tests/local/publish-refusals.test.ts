// What `ecr-lifecycle publish` refuses, each with one line and exit status 2, before any bucket is made or any
// object uploaded: its own options first (no packaging), then what packaging refuses, then a bucket it cannot use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../local/publish-s3';
import { expectBadInput, runCli } from './run-cli';
import { startS3Endpoint, type S3Endpoint, s3Environment } from './s3-endpoint';

const MUTATING = ['CreateBucket', 'PutPublicAccessBlock', 'PutBucketVersioning', 'PutBucketEncryption', 'PutBucketPolicy', 'PutObject'];

let s3: S3Endpoint;
let dir: string;
let saved: NodeJS.ProcessEnv;

beforeAll(async () => {
  s3 = await startS3Endpoint();
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-publish-refusals-'));
  saved = { ...process.env };
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, s3Environment(s3.url, dir));
});

afterAll(async () => {
  process.env = saved;
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Whatever was refused, nothing was made.
  expect(MUTATING.map((operation) => s3.calls[operation] ?? 0)).toEqual(MUTATING.map(() => 0));
});

const options = (changes: Record<string, string | undefined>) => {
  const given: Record<string, string | undefined> = {
    '--bucket-prefix': 'acme-ecr-lifecycle',
    '--regions': 'eu-west-1,us-east-1',
    '--organization-id': 'o-a1b2c3d4e5',
    '--out': path.join(dir, 'out'),
    ...changes,
  };
  return Object.entries(given).flatMap(([option, value]) => (value === undefined ? [] : [option, value]));
};

describe('publish refuses, before packaging', () => {
  test.each([
    ['no organization ID', { '--organization-id': undefined }, /^ecr-lifecycle: publish needs --organization-id o-\.\.\./],
    ['an organization ID of the wrong shape', { '--organization-id': 'o-ABC' }, /--organization-id o-ABC: an organization ID is "o-" and 10 to 32 lowercase letters or digits/],
    ['no regions', { '--regions': undefined }, /publish needs --regions R1,R2,\.\.\./],
    ['an empty list of regions', { '--regions': ',' }, /--regions names no region/],
    ['a region name that is no region', { '--regions': 'eu-west-1,europe' }, /--regions: "europe" is not an AWS region name/],
    ['regions of two partitions', { '--regions': 'eu-west-1,cn-north-1' }, /--regions spans the partitions aws and aws-cn/],
    ['no bucket prefix', { '--bucket-prefix': undefined }, /publish needs --bucket-prefix NAME/],
    ['an empty bucket prefix', { '--bucket-prefix': '' }, /--bucket-prefix "": is empty/],
    ['capital letters', { '--bucket-prefix': 'Acme' }, /--bucket-prefix "Acme": S3 bucket names hold only lowercase letters, digits, "-" and "\."/],
    ['an underscore', { '--bucket-prefix': 'acme_ecr' }, /S3 bucket names hold only lowercase letters/],
    ['a dot', { '--bucket-prefix': 'acme.ecr' }, /a "\." in a bucket name breaks the HTTPS address/],
    ['a hyphen first', { '--bucket-prefix': '-acme' }, /starts with a letter or a digit/],
    ['a prefix S3 reserves', { '--bucket-prefix': 'xn--acme' }, /S3 reserves bucket names that start with xn--/],
    [
      'a prefix too long for the longest region',
      { '--bucket-prefix': 'a'.repeat(50), '--regions': 'eu-west-1,ap-southeast-1' },
      new RegExp(`the bucket a{50}-ap-southeast-1 would be 65 characters, S3 allows 63; use a prefix of at most 48`),
    ],
    ['no --out', { '--out': undefined }, /publish needs --out DIR/],
  ])('%s', async (_name, changes, says) => {
    expectBadInput(await runCli('publish', ...options(changes)), says);
  });

  it('a file as --out', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expectBadInput(await runCli('publish', ...options({ '--out': file })), /--out .*a-file: is a file; give a folder/);
  });

  it('a stage of other characters than a function name takes', async () => {
    expectBadInput(await runCli('publish', ...options({}), '--stage', 'pr/1'), /--stage must be letters, digits/);
  });

  it('a setting out of range, as packaging refuses it', async () => {
    expectBadInput(await runCli('publish', ...options({}), '--param', 'keepImages=0'), /keepImages/);
  });
});

describe('publish refuses what packaging refuses', () => {
  it('a stage too long for the function names', async () => {
    const result = await runCli('publish', ...options({}), '--stage', 'a-stage-far-too-long-for-aws');
    expectBadInput(result, /stage "a-stage-far-too-long-for-aws" is too long: the Lambda function name .* would be \d+ characters, AWS allows 64/);
  }, 120_000);
});

describe('publish refuses a template that names an account', () => {
  it('an alarm topic of one account', async () => {
    const result = await runCli('publish', ...options({}), '--param', 'alarmNotification=arn:aws:sns:eu-west-1:123456789012:alarms');
    expectBadInput(result, /the template would name account 123456789012 \(Parameters\.AlarmTopicArn\.Default\), but a stack set deploys it unchanged to every account/);
    expect(s3.calls.HeadBucket ?? 0).toBe(0);
  }, 120_000);
});

describe('publish refuses a bucket it cannot use, having changed nothing', () => {
  it('a bucket of that name in another region', async () => {
    s3.buckets.set('acme-ecr-lifecycle-us-east-1', {
      region: 'eu-central-1',
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      sseAlgorithm: 'AES256',
      objects: new Map(),
    });
    try {
      const result = await runCli('publish', ...options({}));
      expectBadInput(result, /^ecr-lifecycle: bucket acme-ecr-lifecycle-us-east-1 is in eu-central-1, not us-east-1: choose another --bucket-prefix\n$/);
      expect(s3.calls.HeadBucket).toBeGreaterThanOrEqual(2);
    } finally {
      s3.buckets.delete('acme-ecr-lifecycle-us-east-1');
    }
  }, 120_000);
});

describe('a call the credentials may not make', () => {
  it('says which IAM action it needs', async () => {
    s3.denied.add('GetBucketPolicy');
    const client = s3Client('eu-west-1');
    try {
      await expect(client.send(new GetBucketPolicyCommand({ Bucket: 'acme-ecr-lifecycle-eu-west-1' }))).rejects.toThrow(
        'Access Denied (GetBucketPolicy on acme-ecr-lifecycle-eu-west-1 needs s3:GetBucketPolicy)',
      );
    } finally {
      client.destroy();
      s3.denied.clear();
    }
  });
});
