// config/deployer-policy.json, the IAM policy a CI role deploys and removes the stack with, read as IAM reads it
// (actions, resources and conditions: tests/template/iam-policy.ts), against the packaged template with every
// optional part in it (pull-through cache rules, the alarm topic): it allows every call CloudFormation's handlers
// and the framework make for the stack's resources (deployer-actions.ts), in any partition, and nothing else; the
// roles it lets a deployer create or change must carry the permissions boundary (config/permissions-boundary.json),
// which every role of the template carries and which allows what those roles grant.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PERMISSIONS_BOUNDARY_POLICY } from '../../deploy/derived';
import { ACCOUNT, PARTITION, Stack, roleStatements } from './cloudformation';
import { FRAMEWORK_ACTIONS, RESOURCE_HANDLER_ACTIONS } from './deployer-actions';
import { allows, type PolicyStatement, type Request } from './iam-policy';
import { packageService, projectRoot, readTemplate } from './serverless';

const readPolicy = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'config', file), 'utf8')) as { Version: string; Statement: PolicyStatement[] };
const deployer = readPolicy('deployer-policy.json');
const boundary = readPolicy('permissions-boundary.json');

/** Where the stack may be deployed: the commercial partition and two others. */
const PARTITIONS = [
  { partition: 'aws', region: 'eu-west-1' },
  { partition: 'aws-cn', region: 'cn-north-1' },
  { partition: 'aws-us-gov', region: 'us-gov-west-1' },
];
const OTHER_ACCOUNT = '210987654321';
const boundaryArn = (partition: string, account = ACCOUNT) => `arn:${partition}:iam::${account}:policy/${PERMISSIONS_BOUNDARY_POLICY}`;
const OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject'];

/** An ARN of the stack's own resource that `action` acts on, as deploying stage dev makes it. */
function stackResource(action: string, partition: string, region: string): string {
  const [service, name] = action.split(':');
  const at = `arn:${partition}:${service}:${region}:${ACCOUNT}`;
  const own = 'ecr-lifecycle-manager-dev';
  switch (service) {
    case 'cloudformation': return `${at}:stack/${own}/1a2b3c`;
    case 's3': return OBJECT_ACTIONS.includes(action) ? `arn:${partition}:s3:::${own}-serverlessdeploymentbucket-1a2b/serverless/x.zip` : `arn:${partition}:s3:::${own}-serverlessdeploymentbucket-1a2b`;
    case 'lambda': return `${at}:function:${own}-pullThroughCacheRule`;
    case 'iam': return name === 'CreateServiceLinkedRole'
      ? `arn:${partition}:iam::${ACCOUNT}:role/aws-service-role/ecr.amazonaws.com/AWSServiceRoleForECRTemplate`
      : `arn:${partition}:iam::${ACCOUNT}:role/${own}-CheckLifecyclePolicyRole-1A2B3C`;
    case 'states': return `${at}:stateMachine:${own}-sweep`;
    case 'logs': return `${at}:log-group:/aws/lambda/${own}-tallyReport`;
    case 'events': return `${at}:rule/${own}-CreateRepositoryApiCallRule-1A2B`;
    case 'sqs': return `${at}:${own}-RepositoryEventsDeadLetterQueue-1A2B`;
    case 'sns': return `${at}:${own}-AlarmTopic-1A2B`;
    case 'cloudwatch': return name.includes('Dashboard') ? `arn:${partition}:cloudwatch::${ACCOUNT}:dashboard/${own}-${region}` : `${at}:alarm:${own}-SweepExecutionsFailedAlarm-1A2B`;
    case 'ecr': return `${at}:repository/docker-hub/library/nginx`;
    default: throw new Error(`no resource of the stack for ${action}`);
  }
}

/** The request a deploy makes for `action`: the deployer's account, the boundary its roles carry, the service a role goes to. */
function deployRequest(action: string, partition: string, region: string): Request[] {
  const context = { 'aws:PrincipalAccount': ACCOUNT, 'iam:PermissionsBoundary': boundaryArn(partition), 'iam:AWSServiceName': 'ecr.amazonaws.com' };
  const resource = stackResource(action, partition, region);
  if (action === 'iam:PassRole') {
    return ['lambda.amazonaws.com', 'states.amazonaws.com', 'events.amazonaws.com'].map((service) => ({ action, resource, context: { ...context, 'iam:PassedToService': service } }));
  }
  return [{ action, resource, context }];
}

const NEEDED = [...new Set([...FRAMEWORK_ACTIONS, ...Object.values(RESOURCE_HANDLER_ACTIONS).flatMap((h) => [...h.create, ...h.update, ...h.delete])])].sort();

describe('the deployer policy', () => {
  it('is an IAM policy document of Allow statements with ARNs of any partition', () => {
    expect(deployer.Version).toBe('2012-10-17');
    for (const statement of deployer.Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const action of ([] as string[]).concat(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z*?]+$/);
      for (const resource of ([] as string[]).concat(statement.Resource)) expect({ sid: statement.Sid, resource }).toEqual({ sid: statement.Sid, resource: expect.stringMatching(/^(\*|arn:\*:)/) });
    }
  });

  it.each(PARTITIONS)('allows every call deploy and remove make on the stack’s resources, in $partition', ({ partition, region }) => {
    const denied = NEEDED.flatMap((action) => deployRequest(action, partition, region)).filter((request) => !allows(deployer.Statement, request));
    expect(denied).toEqual([]);
  });

  // A few reads beyond the handlers' lists (the framework's and the console's look at what it deployed) are allowed;
  // nothing that changes anything.
  it('allows no action that changes anything unless deploy or remove make it', () => {
    const granted = deployer.Statement.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(granted.filter((action) => !NEEDED.includes(action) && !/^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*$/.test(action))).toEqual([]);
  });

  describe('gives no way to grant a role more than the stack’s roles have', () => {
    const role = stackResource('iam:CreateRole', 'aws', 'eu-west-1');
    const change = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary'];

    it.each(change)('%s only on a role that carries the permissions boundary of the deployer’s own account', (action) => {
      const with_ = (context: Record<string, string>) => allows(deployer.Statement, { action, resource: role, context: { 'aws:PrincipalAccount': ACCOUNT, ...context } });
      expect(with_({ 'iam:PermissionsBoundary': boundaryArn('aws') })).toBe(true);
      expect(with_({})).toBe(false);
      expect(with_({ 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` })).toBe(false);
      expect(with_({ 'iam:PermissionsBoundary': boundaryArn('aws', OTHER_ACCOUNT) })).toBe(false);
    });

    it.each(['iam:AttachRolePolicy', 'iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy'])(
      'never allows %s, on the stack’s roles or the boundary policy',
      (action) => {
        for (const resource of [role, boundaryArn('aws')]) {
          expect(allows(deployer.Statement, { action, resource, context: { 'aws:PrincipalAccount': ACCOUNT, 'iam:PermissionsBoundary': boundaryArn('aws') } })).toBe(false);
        }
      },
    );

    it('passes only the stack’s roles, and only to Lambda, Step Functions and EventBridge', () => {
      const pass = (resource: string, service: string) => allows(deployer.Statement, { action: 'iam:PassRole', resource, context: { 'iam:PassedToService': service } });
      expect(pass(role, 'lambda.amazonaws.com')).toBe(true);
      expect(pass(role, 'ec2.amazonaws.com')).toBe(false);
      expect(pass(`arn:aws:iam::${ACCOUNT}:role/Admin`, 'lambda.amazonaws.com')).toBe(false);
    });

    it('creates the service-linked role of repository creation templates and no other', () => {
      const create = (service: string) => allows(deployer.Statement, { action: 'iam:CreateServiceLinkedRole', resource: '*', context: { 'iam:AWSServiceName': service } });
      expect(create('ecr.amazonaws.com')).toBe(true);
      expect(create('pullthroughcache.ecr.amazonaws.com')).toBe(false);
      expect(create('ec2.amazonaws.com')).toBe(false);
    });
  });

  it('reads actions, resources and conditions as IAM does', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: ['ecr:Describe*', 'sqs:?etQueueUrl'], Resource: 'arn:*:ecr:*:*:repository/docker-hub/*' },
      { Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*', Condition: { StringLike: { 'iam:PermissionsBoundary': 'arn:*:iam::${aws:PrincipalAccount}:policy/b' } } },
      { Effect: 'Deny', Action: 'ecr:DescribeImages', Resource: '*' },
    ];
    const repository = 'arn:aws:ecr:eu-west-1:123456789012:repository/docker-hub/library/nginx';
    expect(allows(statements, { action: 'ECR:describerepositories', resource: repository })).toBe(true);
    expect(allows(statements, { action: 'ecr:DescribeRepositories', resource: 'arn:aws:ecr:eu-west-1:123456789012:repository/quay/x' })).toBe(false);
    expect(allows(statements, { action: 'ecr:DescribeImages', resource: repository })).toBe(false);
    const boundaryOf = (account: string) => ({ 'aws:PrincipalAccount': '123456789012', 'iam:PermissionsBoundary': `arn:aws:iam::${account}:policy/b` });
    expect(allows(statements, { action: 'iam:CreateRole', resource: 'r', context: boundaryOf('123456789012') })).toBe(true);
    expect(allows(statements, { action: 'iam:CreateRole', resource: 'r', context: boundaryOf('999999999999') })).toBe(false);
    expect(allows(statements, { action: 'iam:CreateRole', resource: 'r' })).toBe(false);
  });
});

describe('the packaged stack and the permissions boundary', () => {
  let stack: Stack;
  let packageDir: string;
  beforeAll(() => {
    const result = packageService([
      '--param=pullThroughCacheRulesFile=config/pull-through-cache-rules.example.json',
      '--param=alarmNotification=ops@example.com',
    ]);
    packageDir = result.packageDir;
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${result.output}`);
    stack = new Stack(readTemplate(packageDir));
  }, 240_000);
  afterAll(() => fs.rmSync(packageDir, { recursive: true, force: true }));

  it("has only resource types whose handlers' calls are known, and every one of them (add a new type's from its schema)", () => {
    const types = [...new Set(Object.values(stack.resources).map((resource) => resource.Type))].sort();
    expect(types.filter((type) => !(type in RESOURCE_HANDLER_ACTIONS))).toEqual([]);
    expect(Object.keys(RESOURCE_HANDLER_ACTIONS).filter((type) => !types.includes(type))).toEqual([]);
  });

  it('gives every role, the framework’s and the plugins’ included, the boundary the deployer policy requires', () => {
    const roles = stack.ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(5);
    for (const [id, role] of roles) expect({ id, boundary: stack.resolve(role.Properties?.PermissionsBoundary) }).toEqual({ id, boundary: boundaryArn(PARTITION) });
  });

  it('lets every role have what it grants, within the boundary', () => {
    const outside = stack.ofType('AWS::IAM::Role').flatMap(([id]) =>
      roleStatements(stack, id).flatMap((statement) =>
        statement.Action.flatMap((action) =>
          statement.Resource.map((resource) => {
            const context = Object.fromEntries(Object.values(statement.Condition ?? {}).flatMap((keys) => Object.entries(keys).map(([k, v]) => [k, ([] as string[]).concat(v)[0]])));
            return { id, action, resource, allowed: allows(boundary.Statement, { action, resource, context }) };
          }),
        ),
      ),
    );
    expect(outside.length).toBeGreaterThan(20);
    expect(outside.filter((grant) => !grant.allowed)).toEqual([]);
  });

  it('is a boundary of Allow statements with ARNs of any partition', () => {
    for (const statement of boundary.Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const resource of ([] as string[]).concat(statement.Resource)) expect(resource).toMatch(/^(\*|arn:\*:)/);
    }
  });
});
