// The near-real-time path and its operations in the packaged template: the EventBridge rules that start a sweep of
// one new repository, their retry and dead-letter queue, the function they invoke and its IAM, and the alarms.
// template.test.ts calls these with the stack it packaged (defaults) and the one packaged with overridden settings,
// so that the service is packaged no more often than those tests need anyway.
import { ACCOUNT, PARTITION, REGION, Stack, roleOf, roleStatements } from './cloudformation';
import type { Resource } from './serverless';

const FUNCTION_NAME = 'ecr-lifecycle-manager-dev-startRepositorySweep';
const API_CALL = 'AWS API Call via CloudTrail';
const SERVICE_EVENT = 'AWS Service Event via CloudTrail';
const PULL_THROUGH_CACHE_ACTION = 'ECR Pull Through Cache Action';
/** EventBridge target limits (RetryPolicy). */
const MAX_RETRY_ATTEMPTS = 185;
const MAX_EVENT_AGE_SECONDS = 86_400;
/** A test that reads the overridden stack may be the one that packages it. */
const PACKAGE_TIMEOUT = 240_000;

// ---- a little of CloudFormation's condition logic, with stack parameters at their defaults (or the given values)

function condition(stack: Stack, name: string, parameters: Record<string, string>): boolean {
  const expression = stack.template.Conditions?.[name];
  if (expression === undefined) throw new Error(`template has no condition ${name}`);
  return Boolean(evaluate(stack, expression, parameters));
}

function evaluate(stack: Stack, value: unknown, parameters: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(stack, v, parameters));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, any>;
  const [key] = Object.keys(object);
  if (Object.keys(object).length === 1) {
    const arg = object[key];
    if (key === 'Ref' && arg in parameters) return parameters[arg];
    if (key === 'Ref' && arg === 'AWS::NoValue') return undefined;
    if (key === 'Ref' && stack.template.Parameters?.[arg]) return stack.template.Parameters[arg].Default ?? '';
    if (key === 'Condition') return condition(stack, arg, parameters);
    if (key === 'Fn::Not') return !evaluate(stack, arg[0], parameters);
    if (key === 'Fn::Or') return (arg as unknown[]).some((c) => evaluate(stack, c, parameters));
    if (key === 'Fn::And') return (arg as unknown[]).every((c) => evaluate(stack, c, parameters));
    if (key === 'Fn::Equals') return evaluate(stack, arg[0], parameters) === evaluate(stack, arg[1], parameters);
    if (key === 'Fn::If') {
      return condition(stack, arg[0], parameters) ? evaluate(stack, arg[1], parameters) : evaluate(stack, arg[2], parameters);
    }
  }
  // Anything else (Ref to a resource, GetAtt) stays as written, for Stack.target to read.
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, evaluate(stack, v, parameters)]));
}

/** Whether a resource exists in a stack deployed with these parameter values. */
function created(stack: Stack, resource: Resource, parameters: Record<string, string> = {}): boolean {
  return resource.Condition === undefined || condition(stack, resource.Condition, parameters);
}

// ---- finding the pieces

function eventFunction(stack: Stack): [string, Resource] {
  const found = stack.ofType('AWS::Lambda::Function').find(([, r]) => r.Properties?.FunctionName === FUNCTION_NAME);
  if (!found) throw new Error(`no Lambda function ${FUNCTION_NAME}`);
  return found;
}

/** The rules whose target is the event function, by logical id. */
function repositoryEventRules(stack: Stack): [string, Resource][] {
  const [functionId] = eventFunction(stack);
  return stack
    .ofType('AWS::Events::Rule')
    .filter(([, r]) => (r.Properties?.Targets ?? []).some((t: Record<string, unknown>) => Stack.target(t.Arn) === functionId));
}

function ruleFor(stack: Stack, detailType: string): [string, Resource] {
  const rules = repositoryEventRules(stack).filter(([, r]) => r.Properties?.EventPattern?.['detail-type']?.includes(detailType));
  expect({ detailType, rules: rules.length }).toEqual({ detailType, rules: 1 });
  return rules[0];
}

function deadLetterQueue(stack: Stack): [string, Resource] {
  const ids = new Set(
    repositoryEventRules(stack).flatMap(([, r]) => r.Properties?.Targets.map((t: any) => Stack.target(t.DeadLetterConfig?.Arn))),
  );
  expect(ids.size).toBe(1);
  const [id] = [...ids] as string[];
  return [id, stack.resource(id)];
}

function stateMachineId(stack: Stack): string {
  const machines = stack.ofType('AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(1);
  return machines[0][0];
}

function alarms(stack: Stack, namespace: string, metricName: string): [string, Resource][] {
  return stack
    .ofType('AWS::CloudWatch::Alarm')
    .filter(([, a]) => a.Properties?.Namespace === namespace && a.Properties?.MetricName === metricName);
}

/** The logical ids or ARNs an alarm notifies, in a stack deployed with these parameter values. */
function alarmActions(stack: Stack, alarm: Resource, parameters: Record<string, string> = {}): string[] {
  const actions = evaluate(stack, alarm.Properties?.AlarmActions, parameters) as unknown[] | undefined;
  return (actions ?? []).map((a) => Stack.target(a) ?? String(a));
}

// ---- the tests

export function describeRepositoryEvents(defaults: () => Stack, overridden: () => Stack): void {
  describe('repository events', () => {
    test.each([
      [API_CALL, 'requestParameters'],
      [SERVICE_EVENT, 'serviceEventDetails'],
    ])('a rule takes CloudTrail CreateRepository records of ECR as "%s"', (detailType) => {
      const [, rule] = ruleFor(defaults(), detailType);
      const pattern = rule.Properties?.EventPattern;
      expect(pattern.source).toEqual(['aws.ecr']);
      expect(pattern['detail-type']).toEqual([detailType]);
      expect(pattern.detail.eventSource).toEqual(['ecr.amazonaws.com']);
      expect(pattern.detail.eventName).toEqual(['CreateRepository']);
      expect(rule.Properties?.State).toBe('ENABLED');
    });

    test("a rule takes ECR's own pull-through cache actions, whatever their sync status", () => {
      const [, rule] = ruleFor(defaults(), PULL_THROUGH_CACHE_ACTION);
      expect(rule.Properties?.EventPattern).toEqual({ source: ['aws.ecr'], 'detail-type': [PULL_THROUGH_CACHE_ACTION] });
      expect(rule.Properties?.State).toBe('ENABLED');
    });

    test('there are exactly these three rules, each with one target: the event function', () => {
      const stack = defaults();
      const rules = repositoryEventRules(stack);
      expect(rules).toHaveLength(3);
      for (const [id, rule] of rules) {
        expect({ id, targets: rule.Properties?.Targets.length }).toEqual({ id, targets: 1 });
      }
    });

    test('each target retries within EventBridge limits and has the dead-letter queue', () => {
      const stack = defaults();
      const [queueId] = deadLetterQueue(stack);
      for (const [id, rule] of repositoryEventRules(stack)) {
        const [target] = rule.Properties?.Targets;
        const retry = target.RetryPolicy;
        expect({ id, retry }).toEqual({
          id,
          retry: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
        });
        expect(retry.MaximumRetryAttempts).toBeGreaterThan(0);
        expect(retry.MaximumRetryAttempts).toBeLessThanOrEqual(MAX_RETRY_ATTEMPTS);
        expect(retry.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
        expect(retry.MaximumEventAgeInSeconds).toBeLessThanOrEqual(MAX_EVENT_AGE_SECONDS);
        expect({ id, deadLetters: Stack.target(target.DeadLetterConfig.Arn) }).toEqual({ id, deadLetters: queueId });
      }
    });

    test('the dead-letter queue is encrypted by SQS and keeps messages 14 days', () => {
      const [, queue] = deadLetterQueue(defaults());
      expect(queue.Type).toBe('AWS::SQS::Queue');
      expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties?.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    test('the queue policy lets EventBridge send to the queue for these rules only', () => {
      const stack = defaults();
      const [queueId] = deadLetterQueue(stack);
      const policies = stack
        .ofType('AWS::SQS::QueuePolicy')
        .filter(([, p]) => (p.Properties?.Queues ?? []).some((q: unknown) => Stack.target(q) === queueId));
      expect(policies).toHaveLength(1);
      const statements = policies[0][1].Properties?.PolicyDocument.Statement as Record<string, any>[];
      expect(statements).toHaveLength(1);
      const [statement] = statements;
      expect(statement.Effect).toBe('Allow');
      expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect([].concat(statement.Action)).toEqual(['sqs:SendMessage']);
      expect(stack.resolve(statement.Resource)).toBe(stack.arn(queueId));
      const sourceArns = [].concat(stack.resolve(statement.Condition.ArnEquals['aws:SourceArn']) as never);
      expect([...sourceArns].sort()).toEqual(repositoryEventRules(stack).map(([id]) => stack.arn(id)).sort());
    });

    test('EventBridge may invoke the function for each rule, and nothing else may', () => {
      const stack = defaults();
      const [functionId] = eventFunction(stack);
      const permissions = stack
        .ofType('AWS::Lambda::Permission')
        .filter(([, p]) => Stack.target(p.Properties?.FunctionName) === functionId);
      for (const [, permission] of permissions) {
        expect(permission.Properties).toEqual(
          expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' }),
        );
      }
      const sources = permissions.map(([, p]) => Stack.target(p.Properties?.SourceArn)).sort();
      expect(sources).toEqual(repositoryEventRules(stack).map(([id]) => id).sort());
    });

    test('a failed asynchronous invocation is retried by Lambda, then lands in the dead-letter queue', () => {
      const stack = defaults();
      const [functionId] = eventFunction(stack);
      const [queueId] = deadLetterQueue(stack);
      const configs = stack
        .ofType('AWS::Lambda::EventInvokeConfig')
        .filter(([, c]) => Stack.target(c.Properties?.FunctionName) === functionId);
      expect(configs).toHaveLength(1);
      const config = configs[0][1].Properties!;
      expect(config.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(Stack.target(config.DestinationConfig.OnFailure.Destination)).toBe(queueId);
    });
  });

  describe('the event function', () => {
    test('runs start-repository-sweep with STATE_MACHINE_ARN, the ARN of the sweep state machine', () => {
      const stack = defaults();
      const [, fn] = eventFunction(stack);
      expect(fn.Properties?.Handler).toBe('functions/start-repository-sweep.handler');
      const arn = fn.Properties?.Environment?.Variables?.STATE_MACHINE_ARN;
      expect(Stack.target(arn)).toBe(stateMachineId(stack));
      expect(stack.resolve(arn)).toBe(
        `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:stateMachine:ecr-lifecycle-manager-dev-sweep`,
      );
    });

    test('may start executions of the sweep state machine and nothing else in Step Functions', () => {
      const stack = defaults();
      const statements = roleStatements(stack, roleOf(eventFunction(stack)[1], 'Role'));
      const states = statements.filter((s) => s.Action.some((a) => a.startsWith('states:')));
      expect(states.flatMap((s) => s.Action)).toEqual(['states:StartExecution']);
      expect(states.flatMap((s) => s.Resource)).toEqual([stack.arn(stateMachineId(stack))]);
    });

    test('otherwise only writes its logs and sends failed events to the dead-letter queue', () => {
      const stack = defaults();
      const statements = roleStatements(stack, roleOf(eventFunction(stack)[1], 'Role'));
      const [queueId] = deadLetterQueue(stack);
      const byAction = statements.flatMap((s) => s.Action.map((action) => [action, s.Resource] as const));
      expect(byAction.map(([action]) => action).sort()).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
        'states:StartExecution',
      ]);
      expect(byAction.find(([action]) => action === 'sqs:SendMessage')?.[1]).toEqual([stack.arn(queueId)]);
    });
  });

  describe('alarms', () => {
    test('one fires on any failed execution of the sweep state machine', () => {
      const stack = defaults();
      const found = alarms(stack, 'AWS/States', 'ExecutionsFailed');
      expect(found).toHaveLength(1);
      const alarm = found[0][1].Properties!;
      expect(alarm.Dimensions).toHaveLength(1);
      expect(alarm.Dimensions[0].Name).toBe('StateMachineArn');
      expect(Stack.target(alarm.Dimensions[0].Value)).toBe(stateMachineId(stack));
      expect(alarm).toEqual(expect.objectContaining({ Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' }));
      expect(alarm.TreatMissingData).toBe('notBreaching');
    });

    test('one fires on the first message in the dead-letter queue', () => {
      const stack = defaults();
      const found = alarms(stack, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible');
      expect(found).toHaveLength(1);
      const alarm = found[0][1].Properties!;
      expect(alarm.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueue(stack)[0], 'QueueName'] } }]);
      expect(alarm).toEqual(expect.objectContaining({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' }));
    });

    test('notify nobody by default, and no topic is made', () => {
      const stack = defaults();
      for (const [id, alarm] of stack.ofType('AWS::CloudWatch::Alarm')) {
        expect({ id, actions: alarmActions(stack, alarm) }).toEqual({ id, actions: [] });
      }
      expect(stack.ofType('AWS::SNS::Topic').filter(([, t]) => created(stack, t))).toEqual([]);
      expect(stack.ofType('AWS::SNS::Subscription').filter(([, s]) => created(stack, s))).toEqual([]);
    });

    test('given an SNS topic ARN, notify that topic and make none', () => {
      const stack = defaults();
      const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:ops-alarms`;
      // The stack parameter that alarmNotification=<topic ARN> sets as its default (deploy/derived.ts).
      const parameters = { AlarmTopicArn: topicArn };
      for (const [id, alarm] of stack.ofType('AWS::CloudWatch::Alarm')) {
        expect({ id, actions: alarmActions(stack, alarm, parameters) }).toEqual({ id, actions: [topicArn] });
      }
      expect(stack.ofType('AWS::SNS::Topic').filter(([, t]) => created(stack, t, parameters))).toEqual([]);
    });

    test('given an e-mail address (--param alarmNotification=ops@example.com), notify a topic with that subscription', () => {
      const stack = overridden();
      const topics = stack.ofType('AWS::SNS::Topic').filter(([, t]) => created(stack, t));
      expect(topics).toHaveLength(1);
      const [topicId] = topics[0];
      const subscriptions = stack.ofType('AWS::SNS::Subscription').filter(([, s]) => created(stack, s));
      expect(subscriptions).toHaveLength(1);
      const subscription = subscriptions[0][1].Properties!;
      expect(Stack.target(subscription.TopicArn)).toBe(topicId);
      expect(subscription.Protocol).toBe('email');
      expect(stack.resolve(subscription.Endpoint)).toBe('ops@example.com');
      const all = stack.ofType('AWS::CloudWatch::Alarm');
      expect(all).toHaveLength(2);
      for (const [id, alarm] of all) {
        expect({ id, actions: alarmActions(stack, alarm) }).toEqual({ id, actions: [topicId] });
      }
    }, PACKAGE_TIMEOUT);
  });

  describe('the event settings', () => {
    test('cloudTrailEvents=false and pullThroughCacheEvents=false disable the rules, which stay in the stack', () => {
      const stack = overridden();
      for (const detailType of [API_CALL, SERVICE_EVENT, PULL_THROUGH_CACHE_ACTION]) {
        const [id, rule] = ruleFor(stack, detailType);
        expect({ id, state: rule.Properties?.State }).toEqual({ id, state: 'DISABLED' });
      }
    }, PACKAGE_TIMEOUT);
  });
}
