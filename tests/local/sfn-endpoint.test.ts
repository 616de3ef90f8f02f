// The embedded Step Functions endpoint as the real @aws-sdk/client-sfn sees it: validation, errors, names kept,
// STANDARD idempotency, executions run one at a time. Executions run a stand-in here; event-sweep.test.ts runs
// the real definition.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { LocalExecution } from '../../local/runner';
import { LOCAL_STATE_MACHINE_ARN, MAX_INPUT_BYTES, startSfnEndpoint, type SfnEndpoint } from '../../local/sfn/server';

const ARN = LOCAL_STATE_MACHINE_ARN;

/** A run that finishes only when the test says so. */
function controlledRuns() {
  const pending: { input: unknown; finish: (result: LocalExecution) => void }[] = [];
  const run = (input: unknown) => new Promise<LocalExecution>((finish) => pending.push({ input, finish }));
  return { pending, run };
}

const succeeded = (applied: number): LocalExecution => ({
  status: 'SUCCEEDED',
  output: {
    dryRun: false,
    referenceTime: '2026-11-27T00:00:00Z',
    report: { scanned: 1, cached: 1, applied, owned: 0, userOwned: 0, skipped: 0, imagesExpired: 0, failed: 0, failedRepositoryNames: [] },
  },
});

async function tick(times = 5) {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function rejection(promise: Promise<unknown>): Promise<SFNServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SFNServiceException;
  }
  throw new Error('expected the call to fail');
}

let endpoint: SfnEndpoint;
let client: SFNClient;
let runs: ReturnType<typeof controlledRuns>;

beforeEach(async () => {
  runs = controlledRuns();
  endpoint = await startSfnEndpoint({ run: runs.run });
  client = new SFNClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});
afterEach(async () => {
  // Finishing a run lets the next one start; finish them all until none is RUNNING.
  while (endpoint.executions().some((e) => e.status === 'RUNNING')) {
    for (const run of runs.pending) run.finish(succeeded(0));
    await tick();
  }
  client.destroy();
  await endpoint.close();
});

const start = (name?: string, input?: string, stateMachineArn = ARN) => client.send(new StartExecutionCommand({ stateMachineArn, name, input }));

describe('starting executions', () => {
  it('starts an execution that runs with the parsed input and reports its ARN and start date', async () => {
    const before = Date.now();
    const output = await start('created-quay-coreos-etcd-1', '{"repositoryName":"quay/coreos/etcd"}');
    expect(output.executionArn).toBe(`${ARN.replace(':stateMachine:', ':execution:')}:created-quay-coreos-etcd-1`);
    expect(output.startDate!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    await tick();
    expect(runs.pending.map((r) => r.input)).toEqual([{ repositoryName: 'quay/coreos/etcd' }]);
    expect(endpoint.executions()).toMatchObject([{ name: 'created-quay-coreos-etcd-1', status: 'RUNNING', input: '{"repositoryName":"quay/coreos/etcd"}' }]);
  });

  it('names an execution with a UUID and gives it {} when the request has neither', async () => {
    const { executionArn } = await start();
    expect(executionArn).toMatch(/:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(endpoint.executions()[0].input).toBe('{}');
  });

  it('records the outcome, output and report once the run finishes, and settled() waits for it', async () => {
    await start('a', '{}');
    await tick();
    const settled = endpoint.settled();
    runs.pending[0].finish(succeeded(1));
    const [execution] = await settled;
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ report: { applied: 1 } });
    expect(execution.result?.report ?? execution.result?.output?.report).toMatchObject({ applied: 1 });
    expect(execution.stopDate).toBeInstanceOf(Date);
  });

  it('records a failed run with its error and cause', async () => {
    await start('a', '{}');
    await tick();
    runs.pending[0].finish({ status: 'FAILED', error: 'RepositoriesFailed', cause: '1 repository failed' });
    const [execution] = await endpoint.settled();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RepositoriesFailed', cause: '1 repository failed' });
    expect(execution.output).toBeUndefined();
  });

  it('runs executions one at a time, in start order', async () => {
    await start('first', '{"n":1}');
    await start('second', '{"n":2}');
    await tick();
    expect(runs.pending.map((r) => r.input)).toEqual([{ n: 1 }]);
    runs.pending[0].finish(succeeded(0));
    await tick();
    expect(runs.pending.map((r) => r.input)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('describes an execution: status, input, and output once it succeeded', async () => {
    const { executionArn } = await start('a', '{"repositoryName":"k8s/pause"}');
    const running = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(running).toMatchObject({ executionArn, stateMachineArn: ARN, name: 'a', status: 'RUNNING', input: '{"repositoryName":"k8s/pause"}' });
    expect(running.output).toBeUndefined();
    await tick();
    runs.pending[0].finish(succeeded(1));
    await endpoint.settled();
    const done = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(done.output!)).toMatchObject({ report: { applied: 1 } });
  });

  it('answers ExecutionDoesNotExist for an execution it never started, InvalidArn for a malformed ARN', async () => {
    const missing = `${ARN.replace(':stateMachine:', ':execution:')}:never`;
    expect(await rejection(client.send(new DescribeExecutionCommand({ executionArn: missing })))).toBeInstanceOf(ExecutionDoesNotExist);
    expect(await rejection(client.send(new DescribeExecutionCommand({ executionArn: 'execution-a' })))).toBeInstanceOf(InvalidArn);
  });
});

describe('execution names', () => {
  it('refuses a used name with ExecutionAlreadyExists once that execution has finished', async () => {
    await start('a', '{"repositoryName":"k8s/pause"}');
    await tick();
    runs.pending[0].finish(succeeded(1));
    await endpoint.settled();
    const error = await rejection(start('a', '{"repositoryName":"k8s/pause"}'));
    expect(error).toBeInstanceOf(ExecutionAlreadyExists);
    expect(error.message).toContain(':execution:');
    expect(endpoint.executions()).toHaveLength(1);
  });

  it('returns the same execution for the same name and input while it runs (STANDARD idempotency)', async () => {
    const first = await start('a', '{"repositoryName":"k8s/pause"}');
    const again = await start('a', '{"repositoryName":"k8s/pause"}');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await tick();
    expect(endpoint.executions()).toHaveLength(1);
    expect(runs.pending).toHaveLength(1);
  });

  it('refuses the same name with another input even while it runs', async () => {
    await start('a', '{"repositoryName":"k8s/pause"}');
    expect(await rejection(start('a', '{"repositoryName":"k8s/etcd"}'))).toBeInstanceOf(ExecutionAlreadyExists);
    expect(endpoint.executions()).toHaveLength(1);
  });

  it('accepts 80 characters of letters, digits, - and _ and refuses 81 with ValidationException', async () => {
    await start('A-z_0'.repeat(16), '{}');
    const error = await rejection(start('a'.repeat(81), '{}'));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/at 'name'.*length less than or equal to 80/);
  });

  it('refuses an empty name with ValidationException', async () => {
    expect((await rejection(start('', '{}'))).name).toBe('ValidationException');
  });

  it.each(['has space', 'tab\there', 'a/b', 'a:b', 'a<b', 'a{b}', 'a[b]', 'a?b', 'a*b', 'a"b', 'a#b', 'a%b', 'a\\b', 'a^b', 'a|b', 'a~b', 'a`b', 'a$b', 'a&b', 'a,b', 'a;b', 'a\u0001b', 'a\u0085b'])(
    'refuses the name %j with InvalidName',
    async (name) => {
      expect(await rejection(start(name, '{}'))).toBeInstanceOf(InvalidName);
      expect(endpoint.executions()).toHaveLength(0);
    },
  );
});

describe('the request', () => {
  it('refuses input that is not JSON with InvalidExecutionInput', async () => {
    expect(await rejection(start('a', '{"repositoryName":'))).toBeInstanceOf(InvalidExecutionInput);
    expect(endpoint.executions()).toHaveLength(0);
  });

  it('takes input of exactly 262,144 UTF-8 bytes and refuses one byte more', async () => {
    const fitting = JSON.stringify({ pad: 'é'.repeat((MAX_INPUT_BYTES - 10) / 2) });
    expect(Buffer.byteLength(fitting)).toBe(MAX_INPUT_BYTES);
    await start('fits', fitting);
    const over = JSON.stringify({ pad: `${'é'.repeat((MAX_INPUT_BYTES - 10) / 2)}x` });
    expect((await rejection(start('over', over))).name).toBe('ValidationException');
    expect(endpoint.executions().map((e) => e.name)).toEqual(['fits']);
  });

  it('answers StateMachineDoesNotExist for another state machine and InvalidArn for a malformed one', async () => {
    const other = ARN.replace('local-sweep', 'other');
    expect(await rejection(start('a', '{}', other))).toBeInstanceOf(StateMachineDoesNotExist);
    expect(await rejection(start('a', '{}', 'sweep'))).toBeInstanceOf(InvalidArn);
    expect(endpoint.executions()).toHaveLength(0);
  });

  it('counts every request per operation, refused ones included', async () => {
    await start('a', '{}');
    await rejection(start('a b', '{}'));
    const { executionArn } = await start('b', '{}');
    await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(endpoint.calls).toEqual({ StartExecution: 3, DescribeExecution: 1 });
  });

  it('answers an operation it does not serve with UnknownOperationException', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StopExecution' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
