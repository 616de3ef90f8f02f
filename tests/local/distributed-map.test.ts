// The local layer over aws-local-stepfunctions that makes a DISTRIBUTED Map behave as on AWS, tried on small
// definitions whose children pass or fail as each test says.
import '../../local/promise-with-resolvers';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { distributedMapRunOptions, EXCEED_TOLERATED_FAILURE_THRESHOLD, type DistributedMapOptions } from '../../local/distributed-map';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:work';

/** A Map over `$.items` whose child runs one Task, Work, given the item; Map fields as the test says. */
function mapOver(mapFields: Json, mode: 'DISTRIBUTED' | 'INLINE' = 'DISTRIBUTED', executionType = 'EXPRESS'): StateMachineDefinition {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ...mapFields,
        ItemProcessor: {
          ProcessorConfig: mode === 'DISTRIBUTED' ? { Mode: mode, ExecutionType: executionType } : { Mode: mode },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: ARN, End: true } },
        },
        End: true,
      },
    },
  } as unknown as StateMachineDefinition;
}

interface Outcome {
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  error?: string;
  /** Items whose Work task ran. */
  worked: Json[];
  mostAtOnce: number;
  events: Json[];
}

/** Runs the definition; Work fails for the items `fails` names, after `workMs`. */
async function run(
  definition: StateMachineDefinition,
  input: Json,
  { fails = () => false, workMs = 5, layer }: { fails?: (item: Json) => boolean; workMs?: number; layer?: DistributedMapOptions } = {},
): Promise<Outcome> {
  const worked: Json[] = [];
  let inFlight = 0;
  let mostAtOnce = 0;
  const work = async (item: Json) => {
    worked.push(item);
    mostAtOnce = Math.max(mostAtOnce, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, workMs));
    inFlight -= 1;
    if (fails(item)) throw Object.assign(new Error(`item ${item} failed`), { name: 'WorkFailed' });
    return { done: item };
  };
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input, {
    ...(layer ? distributedMapRunOptions(layer) : {}),
    overrides: { taskResourceLocalHandlers: { Work: work } },
  });
  const events: Json[] = [];
  const watching = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  try {
    const output = await execution.result;
    await watching;
    return { status: 'SUCCEEDED', output, worked, mostAtOnce, events };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    await watching;
    return { status: 'FAILED', error: (error.cause as Error).name, worked, mostAtOnce, events };
  }
}

const items = (n: number) => Array.from({ length: n }, (_, i) => i);
const failedEntry = { Error: 'WorkFailed', Cause: expect.any(String) };

describe('the engine on its own', () => {
  it('fails a Distributed Map at the first failed child with its own error, whatever the tolerance says', async () => {
    const outcome = await run(mapOver({ ToleratedFailurePercentage: 100 }), { items: items(3) }, { fails: (i) => i === 1 });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'WorkFailed' });
  });
});

describe('a Distributed Map run through the layer', () => {
  it('goes on past failed children within ToleratedFailurePercentage, each failed child holding its error', async () => {
    const outcome = await run(mapOver({ ToleratedFailurePercentage: 30 }), { items: items(10) }, { fails: (i) => i % 4 === 1, layer: {} });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual(items(10).map((i) => (i % 4 === 1 ? failedEntry : { done: i })));
  });

  it('fails with States.ExceedToleratedFailureThreshold once more fail than the percentage tolerates', async () => {
    const outcome = await run(mapOver({ ToleratedFailurePercentage: 20 }), { items: items(10) }, { fails: (i) => i % 4 === 1, layer: {} });
    expect(outcome).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD });
  });

  it.each([
    [2, 'FAILED'],
    [3, 'SUCCEEDED'],
  ])('tolerates ToleratedFailureCount failed children (%i tolerated, 3 failing: %s)', async (count, status) => {
    const outcome = await run(mapOver({ ToleratedFailureCount: count }), { items: items(6) }, { fails: (i) => i % 2 === 0, layer: {} });
    expect(outcome.status).toBe(status);
  });

  it('fails when either tolerance is exceeded', async () => {
    const definition = mapOver({ ToleratedFailureCount: 1, ToleratedFailurePercentage: 100 });
    const outcome = await run(definition, { items: items(4) }, { fails: (i) => i < 2, layer: {} });
    expect(outcome).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD });
  });

  it.each([
    ['ToleratedFailurePercentagePath', { tolerance: 100 }, 'SUCCEEDED'],
    ['ToleratedFailurePercentagePath', { tolerance: 0 }, 'FAILED'],
    ['ToleratedFailureCountPath', { tolerance: 1 }, 'SUCCEEDED'],
    ['ToleratedFailureCountPath', { tolerance: 0 }, 'FAILED'],
  ])('reads %s off the Map input (%j: %s)', async (field, values, status) => {
    const outcome = await run(mapOver({ [field]: '$.mapRun.tolerance' }), { items: items(3), mapRun: values }, { fails: (i) => i === 0, layer: {} });
    expect(outcome.status).toBe(status);
  });

  it.each([
    ['ToleratedFailurePercentagePath', 101],
    ['ToleratedFailureCountPath', -1],
    ['ToleratedFailureCountPath', 'two'],
  ])('fails with States.Runtime when %s gives %j', async (field, tolerance) => {
    const outcome = await run(mapOver({ [field]: '$.tolerance' }), { items: items(2), tolerance }, { layer: {} });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime', worked: [] });
  });

  it('tolerates no failed child when no tolerance is given, failing with States.ExceedToleratedFailureThreshold', async () => {
    const outcome = await run(mapOver({}), { items: items(3) }, { fails: (i) => i === 2, layer: {} });
    expect(outcome).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD });
  });

  it('starts no further child once the Map Run has failed', async () => {
    const outcome = await run(mapOver({ MaxConcurrency: 1 }), { items: items(5) }, { fails: (i) => i === 1, layer: {} });
    expect(outcome.status).toBe('FAILED');
    // Give the engine's queue time to start what it still holds.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outcome.worked).toEqual([0, 1]);
  });

  it.each([1, 3, 9])('runs at most MaxConcurrencyPath children at once, and that many when it can (%i)', async (maxConcurrency) => {
    const outcome = await run(mapOver({ MaxConcurrencyPath: '$.maxConcurrency' }), { items: items(9), maxConcurrency }, { workMs: 30, layer: {} });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.mostAtOnce).toBe(maxConcurrency);
  });

  it('ends an EXPRESS child that runs past its limit with States.Timeout, and counts it failed', async () => {
    const layer = { expressTimeLimitMs: 100 };
    // A child that does not end until the test lets it: the run ending shows it was cut short, even on a busy machine.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = (i: number) => (i === 1 ? held : 5);
    const definition = mapOver({ ToleratedFailurePercentage: 100 });
    const outcome = await runWithDurations(definition, items(3), slow, layer).finally(release);
    expect(outcome.output).toEqual([{ done: 0 }, { Error: 'States.Timeout', Cause: expect.any(String) }, { done: 2 }]);
    const failed = outcome.events.filter((e) => e.type === 'MapIterationFailed');
    expect(failed).toEqual([expect.objectContaining({ index: 1, Error: 'States.Timeout', parentState: expect.objectContaining({ name: 'Each' }) })]);
  });

  it('lets a STANDARD child run past the EXPRESS limit', async () => {
    const definition = mapOver({}, 'DISTRIBUTED', 'STANDARD');
    const outcome = await runWithDurations(definition, items(2), () => 150, { expressTimeLimitMs: 50 });
    expect(outcome.status).toBe('SUCCEEDED');
  });

  it('fails the child the caller names whole, without running it', async () => {
    const layer: DistributedMapOptions = {
      failChildExecution: (input) => (input === 1 ? { error: 'States.Timeout', cause: 'held past its 5 minutes' } : undefined),
    };
    const tolerant = await run(mapOver({ ToleratedFailurePercentage: 100 }), { items: items(3) }, { layer });
    expect(tolerant.output).toEqual([{ done: 0 }, { Error: 'States.Timeout', Cause: 'held past its 5 minutes' }, { done: 2 }]);
    expect(tolerant.worked.sort()).toEqual([0, 2]);
    const started = tolerant.events.filter((e) => e.type === 'MapIterationStarted').map((e) => e.index);
    expect(started.sort()).toEqual([0, 1, 2]);
    expect(tolerant.events.find((e) => e.type === 'MapIterationFailed')).toMatchObject({ index: 1, Error: 'States.Timeout' });

    const strict = await run(mapOver({}), { items: items(3) }, { layer });
    expect(strict).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD });
  });

  it('leaves an inline Map to the engine', async () => {
    const layer = { failChildExecution: () => ({ error: 'X', cause: 'never' }) };
    const outcome = await run(mapOver({ MaxConcurrency: 1 }, 'INLINE'), { items: items(3) }, { fails: (i) => i === 1, layer });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'WorkFailed' });
    expect(outcome.worked.slice(0, 2)).toEqual([0, 1]);
  });

  it('leaves runs without its options to the engine', async () => {
    await run(mapOver({}), { items: items(1) }, { layer: {} });
    const outcome = await run(mapOver({ ToleratedFailurePercentage: 100 }), { items: items(2) }, { fails: (i) => i === 0 });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'WorkFailed' });
  });
});

/** Runs a Map over `items` whose Work task takes `durationMs(item)`, or until the promise it gives settles. */
async function runWithDurations(
  definition: StateMachineDefinition,
  list: number[],
  durationMs: (i: number) => number | Promise<void>,
  layer: DistributedMapOptions,
) {
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const work = async (item: Json) => {
    const duration = durationMs(item);
    await (typeof duration === 'number' ? new Promise((resolve) => setTimeout(resolve, duration)) : duration);
    return { done: item };
  };
  const execution = machine.run({ items: list }, { ...distributedMapRunOptions(layer), overrides: { taskResourceLocalHandlers: { Work: work } } });
  const events: Json[] = [];
  const watching = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const output = await execution.result;
  await watching;
  return { status: 'SUCCEEDED', output, events };
}
