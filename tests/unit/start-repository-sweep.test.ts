// The event handler against a mocked Step Functions: one StartExecution per event it accepts, none for one it drops.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionAlreadyExists, ExecutionLimitExceeded, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { handler } from '../../functions/start-repository-sweep';
import { decideRepositoryEvent } from '../../functions/lib/repository-event';
import { logger } from '../../functions/lib/logger';

const sfn = mockClient(SFNClient);
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:ecr-lifecycle-manager-dev-sweep';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:ecr-lifecycle-manager-dev-sweep:x';

const context = {
  functionName: 'startRepositorySweep',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:startRepositorySweep',
  memoryLimitInMB: '128',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const fixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'events', `${name}.json`), 'utf8'));

const KEYS = ['STATE_MACHINE_ARN', 'AWS_REGION', 'AWS_ENDPOINT_URL_SFN'];
let saved: Record<string, string | undefined>;
beforeAll(() => {
  for (const level of ['debug', 'info', 'warn', 'error'] as const) jest.spyOn(logger, level).mockImplementation(() => undefined);
});
beforeEach(() => {
  sfn.reset();
  saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
  delete process.env.AWS_ENDPOINT_URL_SFN;
  Object.assign(process.env, { STATE_MACHINE_ARN, AWS_REGION: 'eu-west-1' });
});
afterEach(() => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});
afterAll(() => sfn.restore());

const alreadyExists = () => new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXECUTION_ARN}'`, $metadata: {} });

describe('starting a sweep for the repository an event announces', () => {
  it.each([
    ['create-repository-api-call', 'docker-hub/library/postgres'],
    ['create-repository-service-event', 'quay/coreos/etcd'],
    ['pull-through-cache-action', 'docker-hub/library/alpine'],
  ])('starts the state machine once for %s, with only the repository name as input', async (name, repositoryName) => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
    const event = fixture(name);
    const result = await handler(event, context);

    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const decision = decideRepositoryEvent(event);
    if (!decision.start) throw new Error('fixture must be accepted');
    expect(calls[0].args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: decision.executionName,
      input: JSON.stringify({ repositoryName }),
    });
    expect(result).toEqual({ started: true, executionName: decision.executionName });
  });

  it('gives a repeated delivery the same execution name', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
    await handler(fixture('create-repository-service-event'), context);
    await handler(fixture('create-repository-service-event'), context);
    const [first, second] = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(second).toBe(first);
  });

  it('treats ExecutionAlreadyExists as success: the event was already handled', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    const result = await handler(fixture('create-repository-api-call'), context);
    expect(result).toMatchObject({ started: false, executionName: expect.any(String) });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it.each(['not-a-repository-event', 'create-repository-failed', 'create-repository-no-name', 'pull-through-cache-action-no-name'])(
    'makes no call for a dropped event (%s) and returns the reason instead of failing',
    async (name) => {
      const result = await handler(fixture(name), context);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(result).toEqual({ started: false, reason: expect.stringMatching(/\S/) });
    },
  );

  it('makes no call for an event that is not an object', async () => {
    await expect(handler('CreateRepository' as never, context)).resolves.toMatchObject({ started: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('lets any other Step Functions error propagate, so that EventBridge retries the event', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionLimitExceeded({ message: 'too many', $metadata: {} }));
    await expect(handler(fixture('create-repository-api-call'), context)).rejects.toBeInstanceOf(ExecutionLimitExceeded);
  });

  it('fails without STATE_MACHINE_ARN rather than start nothing silently', async () => {
    delete process.env.STATE_MACHINE_ARN;
    await expect(handler(fixture('create-repository-api-call'), context)).rejects.toThrow(/STATE_MACHINE_ARN/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
