// The packaged CloudFormation template, as `serverless package` writes it offline: the workflow, its schedule,
// logs, and least-privilege IAM (each function's role grants exactly what its step declares, which is exactly what
// its code calls).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEEP_IMAGES, MAX_CONCURRENCY, UNPULLED_DAYS } from '../../functions/lib/settings';
import { readRunSettings } from '../../functions/lib/run-settings';
import { STEPS } from '../../functions/steps';
import { ACCOUNT, PARTITION, REGION, Stack, roleOf, roleStatements, type Statement } from './cloudformation';
import { LOG_DELIVERY } from './deployer-actions';
import { describeRepositoryEvents } from './events';
import { describeObservability } from './observability';
import { sentActions } from './sent-actions';
import { expectedRunSettings, packageService, projectRoot, readTemplate, type PackageResult, type Resource } from './serverless';

const SERVICE = 'ecr-lifecycle-manager';
const STAGE = 'dev';
const EXPRESS_CHILD_LIMIT_SECONDS = 300;

/** The functions the sweep state machine invokes: key in serverless.yml -> handler module. */
const FUNCTIONS: Record<string, string> = {
  listPullThroughCachePrefixes: 'functions/list-pull-through-cache-prefixes',
  listCachedRepositories: 'functions/list-cached-repositories',
  checkLifecyclePolicy: 'functions/check-lifecycle-policy',
  putLifecyclePolicy: 'functions/put-lifecycle-policy',
  expireUnpulledImages: 'functions/expire-unpulled-images',
  measureStoredImages: 'functions/measure-stored-images',
  tallyReport: 'functions/tally-report',
};

/** IAM actions that only take Resource "*" (no resource type in the service authorization reference). */
const ONLY_ON_STAR = new Set([
  'ecr:DescribePullThroughCacheRules',
  // Pull-through cache rules are the registry's: IAM has no resource type for them either.
  'ecr:CreatePullThroughCacheRule',
  'ecr:DeletePullThroughCacheRule',
  'ecr:UpdatePullThroughCacheRule',
  'ecr:ValidatePullThroughCacheRule',
  ...LOG_DELIVERY,
]);

const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|BatchGet|BatchCheck)[A-Za-z]*$/;

let packaged: PackageResult;
let stack: Stack;

beforeAll(() => {
  packaged = packageService();
  if (packaged.status !== 0) throw new Error(`serverless package failed (${packaged.status}):\n${packaged.output}`);
  stack = new Stack(readTemplate(packaged.packageDir));
}, 240_000);

afterAll(() => {
  if (packaged?.packageDir) fs.rmSync(packaged.packageDir, { recursive: true, force: true });
});

test('packaging leaves nothing in the temporary directory (serverless-esbuild zips from copies there)', () => {
  expect(packaged.leftInTemporaryDirectory).toEqual([]);
});

/**
 * Every setting away from its default, numbers at their upper bound (settings.test.ts packages the lower bounds),
 * packaged once, on first use.
 */
const OVERRIDES = {
  dryRun: 'true',
  keepImages: String(KEEP_IMAGES.max),
  unpulledDays: String(UNPULLED_DAYS.max),
  keepInUse: 'true',
  maxConcurrency: String(MAX_CONCURRENCY.max),
  manageRootPrefix: 'true',
  schedule: 'rate(6 hours)',
  // CloudWatch Logs' longest retention period.
  logRetentionInDays: '3653',
  cloudTrailEvents: 'false',
  pullThroughCacheEvents: 'false',
  alarmNotification: 'ops@example.com',
};
let overriddenStack: Stack | undefined;
function overridden(): Stack {
  if (overriddenStack) return overriddenStack;
  const result = packageService(Object.entries(OVERRIDES).map(([k, v]) => `--param=${k}=${v}`));
  try {
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${result.output}`);
    overriddenStack = new Stack(readTemplate(result.packageDir));
  } finally {
    fs.rmSync(result.packageDir, { recursive: true, force: true });
  }
  return overriddenStack;
}

const functionName = (key: string) => `${SERVICE}-${STAGE}-${key}`;
const functionArn = (key: string) => `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${functionName(key)}`;
const repositoryArns = `arn:${PARTITION}:ecr:${REGION}:${ACCOUNT}:repository/*`;

function lambdaFunctions(): [string, Resource][] {
  return stack.ofType('AWS::Lambda::Function');
}

/** Every function of the template (the workflow's and any other) as its key and handler module. */
function templateFunctions(): { key: string; module: string; resource: Resource }[] {
  return lambdaFunctions().map(([, resource]) => {
    const name = String(resource.Properties?.FunctionName);
    const handler = String(resource.Properties?.Handler);
    expect(name.startsWith(`${SERVICE}-${STAGE}-`)).toBe(true);
    return {
      key: name.slice(`${SERVICE}-${STAGE}-`.length),
      module: handler.slice(0, handler.lastIndexOf('.')),
      resource,
    };
  });
}

function lambdaFunction(key: string): [string, Resource] {
  const found = lambdaFunctions().find(([, r]) => r.Properties?.FunctionName === functionName(key));
  if (!found) throw new Error(`no Lambda function ${functionName(key)} in the template`);
  return found;
}

function stateMachine(): [string, Resource] {
  const machines = stack.ofType('AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(1);
  return machines[0];
}

function stateMachineName(): string {
  return stack.resolve(stateMachine()[1].Properties?.StateMachineName) as string;
}

/** The definition with its Fn::Sub resolved, parsed as Step Functions will parse it. */
function definition(): Record<string, any> {
  const text = stack.resolve(stateMachine()[1].Properties?.DefinitionString);
  expect(typeof text).toBe('string');
  return JSON.parse(text as string);
}

type State = Record<string, any>;

/** Every state, at any depth of Map and Parallel, with the processor config of the Map it runs in. */
function allStates(machine: Record<string, any>, insideDistributedMap = false): [string, State, boolean][] {
  const states = Object.entries(machine.States as Record<string, State>);
  return states.flatMap(([name, state]) => {
    const nested: [string, State, boolean][] = [];
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) {
      const distributed = processor.ProcessorConfig?.Mode === 'DISTRIBUTED';
      nested.push(...allStates(processor, insideDistributedMap || distributed));
    }
    for (const branch of state.Branches ?? []) nested.push(...allStates(branch, insideDistributedMap));
    return [[name, state, insideDistributedMap] as [string, State, boolean], ...nested];
  });
}

function distributedMaps(): [string, State][] {
  return allStates(definition())
    .filter(([, s]) => s.Type === 'Map' && (s.ItemProcessor ?? s.Iterator)?.ProcessorConfig?.Mode === 'DISTRIBUTED')
    .map(([name, s]) => [name, s]);
}

/** The function ARN a Task invokes, for both the plain ARN form and arn:aws:states:::lambda:invoke. */
function invokedFunctionArn(state: State): string | undefined {
  if (state.Type !== 'Task') return undefined;
  if (String(state.Resource).startsWith(`arn:${PARTITION}:lambda:`)) return state.Resource;
  if (String(state.Resource).startsWith(`arn:${PARTITION}:states:::lambda:invoke`)) {
    return state.Parameters?.FunctionName ?? state.Arguments?.FunctionName;
  }
  return undefined;
}

function allRoles(): [string, Statement[]][] {
  return stack.ofType('AWS::IAM::Role').map(([id]) => [id, roleStatements(stack, id)]);
}

function actionsOf(statements: Statement[], service: string): string[] {
  return [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action))]
    .filter((a) => a.startsWith(`${service}:`))
    .sort();
}

function resourcesFor(statements: Statement[], action: string): string[] {
  return statements
    .filter((s) => s.Effect === 'Allow' && s.Action.includes(action))
    .flatMap((s) => s.Resource)
    .sort();
}

describe('the state machine', () => {
  test('is a STANDARD state machine named after the service and stage', () => {
    const [, machine] = stateMachine();
    expect(machine.Properties?.StateMachineType).toBe('STANDARD');
    expect(stateMachineName()).toBe(`${SERVICE}-${STAGE}-sweep`);
  });

  test('runs the per-repository work in a DISTRIBUTED Map whose children are EXPRESS executions', () => {
    const maps = distributedMaps();
    expect(maps.length).toBeGreaterThanOrEqual(1);
    for (const [, map] of maps) {
      expect(map.ItemProcessor.ProcessorConfig).toEqual(
        expect.objectContaining({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }),
      );
      expect(map.MaxConcurrency ?? map.MaxConcurrencyPath).toBeDefined();
    }
  });

  test('invokes only the functions of this stack, and each of them', () => {
    const invoked = new Set(allStates(definition()).map(([, s]) => invokedFunctionArn(s)).filter(Boolean));
    const tasks = allStates(definition()).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, task] of tasks) {
      expect({ name, invokes: invokedFunctionArn(task) }).toEqual({ name, invokes: expect.any(String) });
    }
    expect([...invoked].sort()).toEqual(Object.keys(FUNCTIONS).map(functionArn).sort());
  });

  test('logs errors, without execution data, to its own log group with the retention setting', () => {
    const logging = stateMachine()[1].Properties?.LoggingConfiguration;
    expect(['ERROR', 'ALL']).toContain(logging?.Level);
    expect(logging?.IncludeExecutionData).toBe(false);
    expect(logging?.Destinations).toHaveLength(1);
    const logGroupId = Stack.target(logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn);
    const logGroup = stack.resource(logGroupId as string);
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties?.RetentionInDays).toBe(14);
  });

  test('is started by the schedule cron(0 2 * * ? *) with {} as input', () => {
    const [machineId] = stateMachine();
    const rules = stack.ofType('AWS::Events::Rule');
    const scheduled = rules.filter(([, r]) =>
      (r.Properties?.Targets ?? []).some((t: Record<string, unknown>) => Stack.target(t.Arn) === machineId),
    );
    expect(scheduled).toHaveLength(1);
    const [, rule] = scheduled[0];
    expect(rule.Properties?.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(rule.Properties?.State).toBe('ENABLED');
    const [target] = rule.Properties?.Targets;
    expect(JSON.parse(target.Input)).toEqual({});
    // The rule's role may start this state machine and do nothing else.
    const statements = roleStatements(stack, Stack.target(target.RoleArn) as string);
    expect(statements.flatMap((s) => s.Action)).toEqual(['states:StartExecution']);
    expect(statements.flatMap((s) => s.Resource)).toEqual([stack.arn(machineId)]);
  });
});

describe('the functions', () => {
  test('include the six steps of the workflow, with their handlers', () => {
    for (const [key, module] of Object.entries(FUNCTIONS)) {
      expect(lambdaFunction(key)[1].Properties?.Handler).toBe(`${module}.handler`);
    }
  });

  test('all run on nodejs22.x and arm64', () => {
    for (const { key, resource } of templateFunctions()) {
      expect({ key, runtime: resource.Properties?.Runtime, architectures: resource.Properties?.Architectures }).toEqual({
        key,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
      });
    }
  });

  test('each log to a log group of their own with the retention setting, as every log group does', () => {
    const logGroups = stack.ofType('AWS::Logs::LogGroup');
    for (const [id, group] of logGroups) {
      expect({ id, retention: group.Properties?.RetentionInDays }).toEqual({ id, retention: 14 });
    }
    const names = logGroups.map(([, g]) => stack.resolve(g.Properties?.LogGroupName));
    for (const { key } of templateFunctions()) expect(names).toContain(`/aws/lambda/${functionName(key)}`);
  });

  test('get the run settings at their defaults, and the log level, as environment variables', () => {
    for (const { resource: fn } of templateFunctions()) {
      expect(readRunSettings(fn.Properties?.Environment?.Variables)).toEqual(expectedRunSettings());
      expect(fn.Properties?.Environment?.Variables).toEqual(
        expect.objectContaining({
          POWERTOOLS_LOG_LEVEL: 'INFO',
        }),
      );
    }
  });

  test('that run inside an EXPRESS child fit, one after another, in its five minutes', () => {
    const arns = new Set(
      allStates(definition())
        .filter(([, s, insideDistributedMap]) => insideDistributedMap && invokedFunctionArn(s))
        .map(([, s]) => invokedFunctionArn(s)),
    );
    expect(arns.size).toBeGreaterThan(0);
    const timeouts = lambdaFunctions()
      .filter(([id]) => arns.has(stack.arn(id)))
      .map(([, fn]) => fn.Properties?.Timeout as number);
    expect(timeouts).toHaveLength(arns.size);
    expect(timeouts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(EXPRESS_CHILD_LIMIT_SECONDS);
  });
});

describe('IAM', () => {
  test("each function's step declares exactly the actions its code calls", () => {
    const functions = templateFunctions();
    expect(functions.map(({ key }) => key).sort()).toEqual(Object.keys(STEPS).sort());
    for (const { key, module } of functions) {
      const declared = STEPS[key as keyof typeof STEPS].permissions.flatMap((p) => p.actions);
      // Lambda itself sends a failed asynchronous event to the function's on-failure destination, with its role.
      const destinations = stack
        .ofType('AWS::Lambda::EventInvokeConfig')
        .filter(([, c]) => Stack.target(c.Properties?.FunctionName) === lambdaFunction(key)[0])
        .map(([, c]) => Stack.target(c.Properties?.DestinationConfig?.OnFailure?.Destination));
      const sentByLambda = destinations.length > 0 ? ['sqs:SendMessage'] : [];
      // ECR calls these with the caller's rights when a rule is created or changed (AWS::ECR::PullThroughCacheRule's
      // handler permissions in its resource schema).
      const sentByEcr = key === 'pullThroughCacheRule' ? ['iam:CreateServiceLinkedRole', 'secretsmanager:GetSecretValue'] : [];
      expect({ key, declared: [...declared].sort() }).toEqual({
        key,
        declared: [...sentActions(path.join(projectRoot, module)), ...sentByLambda, ...sentByEcr].sort(),
      });
    }
  });

  test("each function's role grants exactly what its step declares, on the scope it declares", () => {
    for (const { key, resource } of templateFunctions()) {
      const statements = roleStatements(stack, roleOf(resource, 'Role')).filter((s) => !s.Action[0].startsWith('logs:'));
      const expected = STEPS[key as keyof typeof STEPS].permissions.map(({ actions, on, condition }) => ({
        actions,
        resources: {
          any: ['*'],
          allRepositories: [repositoryArns],
          managedRepositories: [repositoryArns],
          sweepStateMachine: [stack.arn('SweepStateMachine')],
          repositoryEventsDeadLetterQueue: [stack.arn('RepositoryEventsDeadLetterQueue')],
          pullThroughCacheServiceLinkedRole: [
            `arn:${PARTITION}:iam::${ACCOUNT}:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache`,
          ],
          pullThroughCacheCredentials: [`arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/*`],
        }[on],
        ...(condition ? { condition } : {}),
      }));
      const granted = statements.map((s) => ({ actions: s.Action, resources: s.Resource, ...(s.Condition ? { condition: s.Condition } : {}) }));
      expect({ key, granted }).toEqual({ key, granted: expected });
    }
  });

  test("the workflow functions' roles grant nothing but ECR and writing their logs", () => {
    for (const key of Object.keys(FUNCTIONS)) {
      const statements = roleStatements(stack, roleOf(lambdaFunction(key)[1], 'Role'));
      const services = [...new Set(statements.flatMap((s) => s.Action).map((a) => a.split(':')[0]))].sort();
      expect({ key, services }).toEqual({ key, services: expect.arrayContaining(['logs']) });
      expect(services.filter((service) => service !== 'ecr' && service !== 'logs')).toEqual([]);
    }
  });

  test('every function has a role of its own', () => {
    const roles = templateFunctions().map(({ resource }) => roleOf(resource, 'Role'));
    expect(new Set(roles).size).toBe(roles.length);
  });

  test('a function writes only to its own log group', () => {
    for (const { key, resource } of templateFunctions()) {
      const statements = roleStatements(stack, roleOf(resource, 'Role'));
      expect(actionsOf(statements, 'logs')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const ownLogGroup = `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${functionName(key)}:*`;
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        expect(resourcesFor(statements, action)).toEqual([ownLogGroup]);
      }
    }
  });

  test('ECR actions are granted on repository ARNs, "*" only for the pull-through cache rules', () => {
    for (const [role, statements] of allRoles()) {
      for (const action of actionsOf(statements, 'ecr')) {
        const expected = ONLY_ON_STAR.has(action) ? ['*'] : [repositoryArns];
        expect({ role, action, resources: resourcesFor(statements, action) }).toEqual({
          role,
          action,
          resources: expected,
        });
      }
    }
  });

  test('no role may change anything on Resource "*" except log delivery, which IAM allows only there', () => {
    for (const [role, statements] of allRoles()) {
      for (const s of statements.filter((st) => st.Effect === 'Allow' && st.Resource.includes('*'))) {
        for (const action of s.Action) {
          expect({ role, action, allowed: READ_ONLY.test(action) || ONLY_ON_STAR.has(action) }).toEqual({
            role,
            action,
            allowed: true,
          });
        }
      }
    }
  });

  test('every role that may read manifests (ecr:BatchGetImage, which records a pull) is excluded from pull time updates, and no other', () => {
    const readers = allRoles().filter(([, statements]) => actionsOf(statements, 'ecr').includes('ecr:BatchGetImage')).map(([id]) => id).sort();
    const excluded = stack.ofType('AWS::ECR::PullTimeUpdateExclusion').map(([, resource]) => Stack.target(resource.Properties?.PrincipalArn)).sort();
    expect(readers).toEqual(['ExpireUnpulledImagesRole', 'MeasureStoredImagesRole']);
    expect(excluded).toEqual(readers);
    // The state machine starts no sweep before the exclusions exist.
    const ids = stack.ofType('AWS::ECR::PullTimeUpdateExclusion').map(([id]) => id);
    expect(stateMachine()[1].DependsOn).toEqual(expect.arrayContaining(ids));
  });

  test('no role uses ecr:ListRepositories, ecr:DeleteLifecyclePolicy or a wildcard action', () => {
    const actions = allRoles().flatMap(([, statements]) => statements.flatMap((s) => s.Action));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions).not.toContain('ecr:ListRepositories');
    expect(actions).not.toContain('ecr:DeleteLifecyclePolicy');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });
});

describe("the state machine's role", () => {
  const statements = () => roleStatements(stack, roleOf(stateMachine()[1], 'RoleArn'));
  const executionArn = (suffix: string) =>
    `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:execution:${stateMachineName()}${suffix}`;

  test('invokes exactly the workflow functions and their versions', () => {
    expect(actionsOf(statements(), 'lambda')).toEqual(['lambda:InvokeFunction']);
    const expected = Object.keys(FUNCTIONS).flatMap((key) => [functionArn(key), `${functionArn(key)}:*`]);
    expect(resourcesFor(statements(), 'lambda:InvokeFunction')).toEqual(expected.sort());
  });

  test("starts the Distributed Map's children as executions of the state machine itself", () => {
    expect(resourcesFor(statements(), 'states:StartExecution')).toEqual([stack.arn(stateMachine()[0])]);
  });

  // execution:<name>:* is AWS's documented pattern for a Distributed Map; the children are named execution:<name>/<label>:<id>.
  test("describes and stops the Map's child executions under both patterns, execution:<name>:* and execution:<name>/*", () => {
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(resourcesFor(statements(), action)).toEqual([executionArn('/*'), executionArn(':*')].sort());
    }
  });

  // A Map Run's redrive restarts its EXPRESS children with StartExecution (Step Functions API reference,
  // RedriveExecution): the state machine's role needs no states:RedriveExecution.
  test('has no states:RedriveExecution: the Distributed Map runs EXPRESS children', () => {
    for (const [, map] of distributedMaps()) expect(map.ItemProcessor.ProcessorConfig.ExecutionType).toBe('EXPRESS');
    expect(resourcesFor(statements(), 'states:RedriveExecution')).toEqual([]);
  });

  test('grants Step Functions nothing beyond running its own executions', () => {
    expect(actionsOf(statements(), 'states')).toEqual([
      'states:DescribeExecution',
      'states:StartExecution',
      'states:StopExecution',
    ]);
  });
});

describe('settings', () => {
  test('overridden with --param, numbers at their upper bound, reach the environment, the schedule and every log group', () => {
    const stack = overridden();
    const functions = stack.ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(Object.keys(FUNCTIONS).length);
    for (const [, fn] of functions) {
      expect(readRunSettings(fn.Properties?.Environment?.Variables)).toEqual({
        stage: STAGE,
        dryRun: true,
        keepImages: KEEP_IMAGES.max,
        unpulledDays: UNPULLED_DAYS.max,
        keepInUse: true,
        maxConcurrency: MAX_CONCURRENCY.max,
        manageRootPrefix: true,
        managedPrefixes: [],
        repositorySettings: { prefixes: {}, exclude: [] },
      });
    }
    const schedules = stack
      .ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties?.ScheduleExpression)
      .filter((expression) => expression !== undefined);
    expect(schedules).toEqual(['rate(6 hours)']);
    const retentions = stack.ofType('AWS::Logs::LogGroup').map(([, g]) => g.Properties?.RetentionInDays);
    expect(retentions).toHaveLength(functions.length + 1);
    expect(new Set(retentions)).toEqual(new Set([3653]));
  }, 240_000);
});

// The event rules, their dead-letter queue, the event function and the alarms (tests/template/events.ts).
describeRepositoryEvents(() => stack, overridden);
describeObservability(() => stack);
