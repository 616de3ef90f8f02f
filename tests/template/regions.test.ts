// One stage in two regions of one account, and a second stage beside it: every resource whose name is account-wide
// (or global) has a name of its own in each stack, so that `serverless deploy --region` can go to every region where
// images are pulled. A resource type this file does not know fails the test until it is placed in one list or the other.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from './cloudformation';
import { packageService, readTemplate, type PackageResult } from './serverless';

/** Types whose names live in one region's namespace (CloudFormation reference, each service's quotas page). */
const REGIONAL = new Set([
  'AWS::Lambda::Function', 'AWS::Lambda::Permission', 'AWS::Lambda::EventInvokeConfig',
  'AWS::StepFunctions::StateMachine', 'AWS::Logs::LogGroup', 'AWS::Logs::QueryDefinition',
  'AWS::Events::Rule', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'AWS::SNS::Topic', 'AWS::SNS::Subscription',
  'AWS::CloudWatch::Alarm', 'AWS::ECR::PullThroughCacheRule', 'AWS::ECR::RepositoryCreationTemplate',
  // A registry's exclusion list is its region's; each stack excludes its own roles.
  'AWS::ECR::PullTimeUpdateExclusion',
  'AWS::S3::BucketPolicy',
]);

/**
 * Types whose names are account-wide or global, with the property that names them; without it CloudFormation
 * generates a name from the stack name, the logical id and a random suffix, which never collides.
 * "All dashboards in your account are global, not region-specific" (AWS::CloudWatch::Dashboard); IAM is global;
 * S3 bucket names are global.
 */
const ACCOUNT_WIDE: Record<string, string> = {
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::S3::Bucket': 'BucketName',
};

/** Each stack's region given each way the region rule reads one (docs/configuration.md, The region). */
const STACKS = [
  { stage: 'dev', region: 'us-east-1', args: [], environment: { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'ap-south-1' } },
  { stage: 'dev', region: 'eu-west-1', args: ['--region', 'eu-west-1'], environment: { AWS_REGION: 'us-east-1' } },
  { stage: 'prod', region: 'eu-west-1', args: [], environment: { AWS_DEFAULT_REGION: 'eu-west-1' } },
];

const packaged: PackageResult[] = [];
const stacks: Stack[] = [];

beforeAll(() => {
  for (const { stage, region, args, environment } of STACKS) {
    const result = packageService(['--stage', stage, ...args], environment);
    packaged.push(result);
    if (result.status !== 0) throw new Error(`serverless package --stage ${stage} for ${region} failed:\n${result.output}`);
    stacks.push(new Stack(readTemplate(result.packageDir), region));
  }
}, 720_000);

afterAll(() => {
  for (const { packageDir } of packaged) fs.rmSync(packageDir, { recursive: true, force: true });
});

/** Every explicit account-wide name of a stack, as `Type name`. */
function accountWideNames(stack: Stack): string[] {
  return Object.values(stack.resources).flatMap((r) => {
    const property = ACCOUNT_WIDE[r.Type];
    const name = property === undefined ? undefined : r.Properties?.[property];
    return name === undefined ? [] : [`${r.Type} ${stack.resolve(name) as string}`];
  });
}

describe('stacks of one account', () => {
  it('are packaged for --region, else AWS_REGION, else AWS_DEFAULT_REGION, as the command line takes them', () => {
    const regions = packaged.map(({ packageDir }) => {
      const state = JSON.parse(fs.readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8'));
      return state.service.provider.region as string;
    });
    expect(regions).toEqual(STACKS.map(({ region }) => region));
  });

  it('hold only resource types known to be regional or account-wide', () => {
    const types = new Set(stacks.flatMap((stack) => Object.values(stack.resources).map((r) => r.Type)));
    expect([...types].filter((type) => !REGIONAL.has(type) && !(type in ACCOUNT_WIDE))).toEqual([]);
  });

  it('give no account-wide name twice, across two regions of one stage and across two stages', () => {
    const names = stacks.flatMap(accountWideNames);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    // The dashboard is the one account-wide name the stack sets: the check above would pass vacuously without it.
    expect(names.filter((name) => name.startsWith('AWS::CloudWatch::Dashboard '))).toHaveLength(STACKS.length);
  });

  it("name each dashboard after the service, the stage and the region, in CloudWatch's characters and length", () => {
    const dashboards = stacks.map((stack) =>
      stack.resolve(stack.ofType('AWS::CloudWatch::Dashboard')[0][1].Properties?.DashboardName),
    );
    expect(dashboards).toEqual(STACKS.map(({ stage, region }) => `ecr-lifecycle-manager-${stage}-${region}`));
    for (const name of dashboards) expect(name).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
  });
});
