// `ecr-lifecycle publish` against the embedded S3 endpoint (tests/local/s3-endpoint.ts), through the SDK's own
// AWS_ENDPOINT_URL_S3: a dry run, a publish to two regions, and the same publish again. Each packages the service,
// as a user's run does.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack } from '../template/cloudformation';
import type { Template } from '../template/serverless';
import { S3_PERMISSIONS } from '../../local/publish-s3';
import { runCli, type CliRun } from './run-cli';
import { startS3Endpoint, type Bucket, type S3Endpoint, s3Environment } from './s3-endpoint';

const ORGANIZATION = 'o-a1b2c3d4e5';
const PREFIX = 'acme-ecr-lifecycle';
const REGIONS = ['eu-west-1', 'us-east-1'];
const MUTATING = ['CreateBucket', 'PutPublicAccessBlock', 'PutBucketVersioning', 'PutBucketEncryption', 'PutBucketPolicy', 'PutObject'];

let s3: S3Endpoint;
let dir: string;
let saved: NodeJS.ProcessEnv;
const runs: Record<'dry' | 'first' | 'second' | 'denied', { run: CliRun; calls: Record<string, number>; bucketsAfter: string[]; files: string[] }> = {} as never;

const publish = (...extra: string[]) =>
  runCli('publish', '--bucket-prefix', PREFIX, '--regions', REGIONS.join(','), '--organization-id', ORGANIZATION, '--out', path.join(dir, 'stack-set'), ...extra);

/** Runs a publish and records the S3 calls it made (the endpoint counts every request). */
async function recorded(name: keyof typeof runs, ...extra: string[]) {
  const before = { ...s3.calls };
  const run = await publish(...extra);
  const calls = Object.fromEntries(Object.entries(s3.calls).map(([operation, n]) => [operation, n - (before[operation] ?? 0)]));
  const files = ['template.json', 'template-url.txt'].map((file) => path.join(dir, 'stack-set', file));
  runs[name] = { run, calls, bucketsAfter: [...s3.buckets.keys()], files: files.filter(existsSync).map((file) => readFileSync(file, 'utf8')) };
}

beforeAll(async () => {
  s3 = await startS3Endpoint();
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-publish-'));
  saved = { ...process.env };
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, s3Environment(s3.url, dir));
  await recorded('dry', '--dry-run');
  await recorded('first');
  await recorded('second');
  // Another stage: the same code, another template, which S3 will not take.
  s3.denied.add('PutObject');
  await recorded('denied', '--stage', 'prod');
  s3.denied.clear();
}, 360_000);

afterAll(async () => {
  process.env = saved;
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const bucket = (region: string): Bucket => {
  const found = s3.buckets.get(`${PREFIX}-${region}`);
  if (!found) throw new Error(`no bucket ${PREFIX}-${region}`);
  return found;
};
const template = (): Template => JSON.parse(readFileSync(path.join(dir, 'stack-set', 'template.json'), 'utf8')) as Template;
const functions = () => Object.entries(template().Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');

describe('a dry run', () => {
  it('reads the buckets and changes nothing: no bucket, no object, no file', () => {
    expect(runs.dry.run.code).toBe(0);
    expect(MUTATING.map((operation) => runs.dry.calls[operation] ?? 0)).toEqual(MUTATING.map(() => 0));
    expect(runs.dry.calls.HeadBucket).toBe(REGIONS.length);
    expect(runs.dry.bucketsAfter).toEqual([]);
    expect(runs.dry.files).toEqual([]);
    expect(runs.dry.run.stdout).toMatch(/^Dry run: nothing changed\./);
  });

  it('says what it would create and upload, region by region', () => {
    const { stdout } = runs.dry.run;
    for (const region of REGIONS) {
      expect(stdout).toContain(`${region}: create bucket ${PREFIX}-${region}\n`);
      expect(stdout).toContain(`${region}: put the public access block, versioning, default encryption, bucket policy of ${PREFIX}-${region}\n`);
      expect(stdout).toMatch(new RegExp(`${region}: upload s3://${PREFIX}-${region}/ecr-lifecycle-manager/code/listCachedRepositories/[A-Za-z0-9_-]{43}\\.zip \\(`));
    }
  });
});

describe('a publish to two regions', () => {
  it('exits 0 and writes the template and its URL', () => {
    expect(runs.first.run.code).toBe(0);
    expect(runs.first.run.stderr).toBe('');
    const url = readFileSync(path.join(dir, 'stack-set', 'template-url.txt'), 'utf8').trim();
    expect(url).toMatch(new RegExp(`^https://${PREFIX}-eu-west-1\\.s3\\.eu-west-1\\.amazonaws\\.com/ecr-lifecycle-manager/template/dev/[A-Za-z0-9_-]{43}\\.json$`));
    const key = new URL(url).pathname.slice(1);
    expect(bucket('eu-west-1').objects.get(key)?.body.equals(readFileSync(path.join(dir, 'stack-set', 'template.json')))).toBe(true);
  });

  it('makes one bucket per region, in that region: versioned, encrypted with SSE-S3, every public access block setting on', () => {
    expect([...s3.buckets.keys()].sort()).toEqual(REGIONS.map((region) => `${PREFIX}-${region}`).sort());
    for (const region of REGIONS) {
      const { region: where, versioning, sseAlgorithm, publicAccessBlock } = bucket(region);
      expect({ where, versioning, sseAlgorithm, publicAccessBlock }).toEqual({
        where: region,
        versioning: 'Enabled',
        sseAlgorithm: 'AES256',
        publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      });
    }
  });

  it("lets principals of the organization read the service's objects, grants nothing else, and serves nothing without TLS", () => {
    for (const region of REGIONS) {
      const name = `${PREFIX}-${region}`;
      const policy = JSON.parse(bucket(region).policy ?? '{}') as { Statement: Record<string, unknown>[] };
      expect(policy.Statement.filter((s) => s.Effect === 'Allow')).toEqual([
        {
          Sid: expect.any(String),
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${name}/ecr-lifecycle-manager/*`,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } },
        },
      ]);
      expect(policy.Statement.filter((s) => s.Effect === 'Deny')).toEqual([
        expect.objectContaining({ Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]);
    }
  });

  it('stores the same objects in every region, each under a key that ends in the SHA-256 of its content', () => {
    const [first, ...others] = REGIONS.map((region) => bucket(region).objects);
    expect(first.size).toBe(functions().length + 1);
    for (const objects of others) expect([...objects.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [key, object] of first) {
      const hash = createHash('sha256').update(object.body).digest('base64url');
      expect([key, [`/${hash}.zip`, `/${hash}.json`].some((end) => key.endsWith(end))]).toEqual([key, true]);
      expect(object.checksumSha256).toBe(createHash('sha256').update(object.body).digest('base64'));
    }
  });

  it('says what it uploaded where', () => {
    const { stdout } = runs.first.run;
    for (const region of REGIONS) {
      expect(stdout).toContain(`${region}: created bucket ${PREFIX}-${region}\n`);
      for (const key of bucket(region).objects.keys()) expect(stdout).toContain(`${region}: uploaded s3://${PREFIX}-${region}/${key}\n`);
    }
    expect(stdout).toContain(`Published: ${2 * (functions().length + 1)} objects uploaded, 0 already there.`);
  });
});

describe('the stack set template', () => {
  it("reads every function's code from the bucket of the region the stack runs in, where the object is", () => {
    expect(functions().length).toBeGreaterThan(0);
    for (const [logicalId, resource] of functions()) {
      expect([logicalId, resource.Properties?.Code.S3Bucket]).toEqual([logicalId, { 'Fn::Sub': `${PREFIX}-\${AWS::Region}` }]);
      for (const region of REGIONS) {
        const code = new Stack(template(), region).resolve(resource.Properties?.Code) as { S3Bucket: string; S3Key: string };
        expect(s3.buckets.get(code.S3Bucket)?.objects.has(code.S3Key)).toBe(true);
      }
    }
  });

  it('has no deployment bucket, no bucket policy for it and no output that names it', () => {
    const text = readFileSync(path.join(dir, 'stack-set', 'template.json'), 'utf8');
    expect(text).not.toContain('ServerlessDeploymentBucket');
    expect(Object.values(template().Resources).filter((r) => r.Type.startsWith('AWS::S3::'))).toEqual([]);
    expect(Object.keys(template().Outputs ?? {})).toEqual(['SweepStateMachineArn']);
  });

  it('holds no account ID: no run of twelve digits anywhere', () => {
    expect(readFileSync(path.join(dir, 'stack-set', 'template.json'), 'utf8').match(/\d{12}/g)).toBeNull();
  });

  it('keeps the stack parameters, each with a default, so that every account deploys it unchanged', () => {
    const parameters = template().Parameters ?? {};
    expect(Object.keys(parameters).sort()).toEqual(['AlarmEmail', 'AlarmTopicArn']);
    for (const parameter of Object.values(parameters)) expect(parameter.Default).toBe('');
  });

  it('gives no name that collides between two regions of one account, and none that is global', () => {
    // IAM names are account-wide, a dashboard's name too; S3 bucket names are global.
    const named: Record<string, string> = {
      'AWS::IAM::Role': 'RoleName', 'AWS::IAM::ManagedPolicy': 'ManagedPolicyName', 'AWS::CloudWatch::Dashboard': 'DashboardName', 'AWS::S3::Bucket': 'BucketName',
    };
    const names = REGIONS.flatMap((region) => {
      const stack = new Stack(template(), region);
      return Object.values(stack.resources)
        .filter((r) => r.Properties?.[named[r.Type]] !== undefined)
        .map((r) => `${r.Type} ${stack.resolve(r.Properties?.[named[r.Type]]) as string}`);
    });
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    expect(names.filter((name) => name.startsWith('AWS::CloudWatch::Dashboard '))).toEqual(REGIONS.map((region) => `AWS::CloudWatch::Dashboard ecr-lifecycle-manager-dev-${region}`));
  });

  const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
  (cfnLint ? it : it.skip)('passes cfn-lint with the flags of .ci/run', () => {
    const lint = spawnSync('cfn-lint', ['--include-checks', 'I', '--non-zero-exit-code', 'warning', '--ignore-checks', 'W3005', '--format', 'parseable', '--', path.join(dir, 'stack-set', 'template.json')], {
      encoding: 'utf8',
    });
    expect([lint.status, lint.stdout.split('\n').filter((line) => !/:I\d{4}:/.test(line) && line !== '')]).toEqual([0, []]);
  }, 60_000);
});

describe('publishing the same code again', () => {
  it('uploads nothing and changes no bucket', () => {
    expect(runs.second.run.code).toBe(0);
    expect(MUTATING.map((operation) => runs.second.calls[operation] ?? 0)).toEqual(MUTATING.map(() => 0));
    expect(runs.second.calls.HeadObject).toBe(REGIONS.length * (functions().length + 1));
  });

  it('says every object was already there', () => {
    for (const region of REGIONS) expect(runs.second.run.stdout).toContain(`${region}: ${functions().length + 1} of ${functions().length + 1} objects already in ${PREFIX}-${region}, unchanged\n`);
    expect(runs.second.run.stdout).toContain(`Published: 0 objects uploaded, ${2 * (functions().length + 1)} already there.`);
  });

  it('writes the same template and template URL', () => {
    expect(runs.first.files).toHaveLength(2);
    expect(runs.second.files).toEqual(runs.first.files);
  });
});

describe('a publish that S3 stops part-way', () => {
  it('exits 1, says where it stopped and what the call needed, and writes no template', () => {
    expect(runs.denied.run.code).toBe(1);
    expect(runs.denied.run.stderr).toMatch(
      new RegExp(`^ecr-lifecycle: publish stopped in eu-west-1: AccessDenied: Access Denied \\(PutObject on ${PREFIX}-eu-west-1 needs s3:PutObject\\)\\. What is said above was done; publish again to finish\\.\n$`),
    );
    expect(runs.denied.calls.PutObject).toBe(1);
    expect(runs.denied.files).toEqual(runs.first.files);
  });
});

describe('permissions', () => {
  it('every S3 call publish made has its IAM action declared, and docs/stacksets.md lists each one', () => {
    const made = [...new Set(Object.values(runs).flatMap(({ calls }) => Object.keys(calls).filter((operation) => calls[operation] > 0)))];
    expect(made.filter((operation) => !(operation in S3_PERMISSIONS))).toEqual([]);
    const page = readFileSync(path.join(__dirname, '..', '..', 'docs', 'stacksets.md'), 'utf8');
    expect(Object.values(S3_PERMISSIONS).filter((action) => !page.includes(`\`${action}\``))).toEqual([]);
  });
});
