// config/deployer-policy.json, the IAM policy a CI role deploys and removes the stack with, against the packaged
// template with every optional part in it (pull-through cache rules, the alarm topic): each resource type must be
// one whose handler actions are known (deployer-actions.ts), and the policy must allow every one of them, and every
// call the framework makes around the stack.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FRAMEWORK_ACTIONS, RESOURCE_HANDLER_ACTIONS } from './deployer-actions';
import { packageService, projectRoot, readTemplate, type Template } from './serverless';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
}
const policy = JSON.parse(fs.readFileSync(path.join(projectRoot, 'config', 'deployer-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};

/** IAM's action matching: case-insensitive, `*` any run of characters, `?` one character. */
function allows(statements: Statement[], action: string): boolean {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i').test(action);
  return statements.some((s) => s.Effect === 'Allow' && ([] as string[]).concat(s.Action).some(matches));
}

const missing = (actions: string[]) => actions.filter((action) => !allows(policy.Statement, action));

describe('the deployer policy', () => {
  let template: Template;
  let packageDir: string;
  beforeAll(() => {
    const result = packageService([
      '--param=pullThroughCacheRulesFile=config/pull-through-cache-rules.example.json',
      '--param=alarmNotification=ops@example.com',
    ]);
    packageDir = result.packageDir;
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${result.output}`);
    template = readTemplate(packageDir);
  }, 240_000);
  afterAll(() => fs.rmSync(packageDir, { recursive: true, force: true }));

  it('is an IAM policy document of Allow statements only', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.length).toBeGreaterThan(0);
    for (const statement of policy.Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const action of ([] as string[]).concat(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z*?]+$/);
    }
  });

  it("knows the handler actions of every resource type the packaged template has (add a new type's from its schema)", () => {
    const types = [...new Set(Object.values(template.Resources).map((resource) => resource.Type))].sort();
    expect(types.filter((type) => !(type in RESOURCE_HANDLER_ACTIONS))).toEqual([]);
    // The template with every optional part has every type the table knows: none is stale.
    expect(Object.keys(RESOURCE_HANDLER_ACTIONS).filter((type) => !types.includes(type))).toEqual([]);
  });

  it.each(Object.entries(RESOURCE_HANDLER_ACTIONS))('allows what CloudFormation calls to create, update and delete %s', (type, handlers) => {
    expect({ type, missing: missing([...handlers.create, ...handlers.update, ...handlers.delete]) }).toEqual({ type, missing: [] });
  });

  it('allows what serverless deploy and serverless remove call themselves', () => {
    expect(missing(FRAMEWORK_ACTIONS)).toEqual([]);
  });

  it('would see an action it lacks, and reads wildcards as IAM does', () => {
    const statements: Statement[] = [{ Effect: 'Allow', Action: ['ecr:Describe*', 'sqs:?etQueueUrl'], Resource: '*' }];
    expect(allows(statements, 'ecr:DescribePullThroughCacheRules')).toBe(true);
    expect(allows(statements, 'ECR:describerepositories')).toBe(true);
    expect(allows(statements, 'sqs:GetQueueUrl')).toBe(true);
    expect(allows(statements, 'ecr:DeletePullThroughCacheRule')).toBe(false);
    expect(allows(statements, 'sqs:ListQueues')).toBe(false);
  });
});
