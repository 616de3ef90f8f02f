// The event step with its Lambda start port against a mocked Step Functions: one StartExecution per event it
// accepts, none for one it drops.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionAlreadyExists, ExecutionLimitExceeded, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createLogger } from '../../functions/lib/logger';
import { decideRepositoryEvent } from '../../functions/lib/repository-event';
import { sfnSweepStarter, sweepStarterFromEnvironment } from '../../functions/lib/sfn-client';
import { startRepositorySweep } from '../../functions/steps/start-repository-sweep';

const sfn = mockClient(SFNClient);
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:ecr-lifecycle-manager-dev-sweep';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:ecr-lifecycle-manager-dev-sweep:x';

const context = {
  logger: createLogger({ logLevel: 'SILENT' }),
  sweeps: sfnSweepStarter(new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), STATE_MACHINE_ARN),
};
const handler = (event: unknown) => startRepositorySweep.run(event, context);

const fixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'events', `${name}.json`), 'utf8'));

beforeEach(() => sfn.reset());
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
    const result = await handler(event);

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
    await handler(fixture('create-repository-service-event'));
    await handler(fixture('create-repository-service-event'));
    const [first, second] = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(second).toBe(first);
  });

  it('treats ExecutionAlreadyExists as success: the event was already handled', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    const result = await handler(fixture('create-repository-api-call'));
    expect(result).toMatchObject({ started: false, executionName: expect.any(String) });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it.each(['not-a-repository-event', 'create-repository-failed', 'create-repository-no-name', 'pull-through-cache-action-no-name'])(
    'makes no call for a dropped event (%s) and returns the reason instead of failing',
    async (name) => {
      const result = await handler(fixture(name));
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(result).toEqual({ started: false, reason: expect.stringMatching(/\S/) });
    },
  );

  it('makes no call for an event that is not an object', async () => {
    await expect(handler('CreateRepository' as never)).resolves.toMatchObject({ started: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('lets any other Step Functions error propagate, so that EventBridge retries the event', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionLimitExceeded({ message: 'too many', $metadata: {} }));
    await expect(handler(fixture('create-repository-api-call'))).rejects.toBeInstanceOf(ExecutionLimitExceeded);
  });

  it('refuses to start at cold start without STATE_MACHINE_ARN rather than start nothing silently', () => {
    expect(() => sweepStarterFromEnvironment({})).toThrow(/STATE_MACHINE_ARN/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
