// Makes aws-local-stepfunctions run a DISTRIBUTED Map the way Step Functions does. The engine runs one as it runs
// an inline Map: the first failed child fails the Map with the child's own error, whatever ToleratedFailure*
// says; an EXPRESS child may run for ever; children still queued start after the Map has failed. Here each child
// execution's outcome is settled against its Map Run instead: failed children are counted; a Map Run past its
// tolerated failures starts no further child and, once those started have ended, fails with
// States.ExceedToleratedFailureThreshold; an EXPRESS child ends with States.Timeout after its limit; and a caller
// may fail a child whole before it starts. The engine already honours MaxConcurrency and MaxConcurrencyPath
// (except 0, which it reads as 40, where AWS reads no limit).
//
// The engine exports no hook into a Map state, so this wraps two methods of its StateMachine class, which every
// nested machine is an instance of: `execute`, to see each state's input as it is entered (the Map Run's items and
// tolerance are read off the Map's input then), and `run`, which the Map calls once per child execution with the
// machine of the Map's ItemProcessor. The wrapping acts only on runs given the options made here.
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';

/** How a child execution failed: the Error and Cause its MapIterationFailed event carries. */
export interface ChildExecutionFailure {
  error: string;
  cause: string;
}

export interface DistributedMapOptions {
  /**
   * Called with each child execution's input before it starts. A failure returned fails that child whole without
   * running it, as Step Functions fails one that runs past its limit (States.Timeout) or breaks (States.Runtime).
   */
  failChildExecution?: (input: unknown) => ChildExecutionFailure | undefined;
  /** How long an EXPRESS child execution may run; Step Functions ends it after 5 minutes. */
  expressTimeLimitMs?: number;
}

/** Step Functions ends an EXPRESS execution after 5 minutes. */
export const EXPRESS_TIME_LIMIT_MS = 300_000;

export const EXCEED_TOLERATED_FAILURE_THRESHOLD = 'States.ExceedToleratedFailureThreshold';

/** Options for StateMachine.run, to merge with the caller's own: `machine.run(input, { ...these, overrides })`. */
export function distributedMapRunOptions(options: DistributedMapOptions = {}): RunOptions {
  wrapStateMachine();
  const layer: Layer = { options, mapRuns: new Map() };
  // The engine hands the run options down to every nested run by spreading them, which keeps a symbol key.
  return { [LAYER]: layer } as RunOptions;
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Layer {
  options: DistributedMapOptions;
  /** The Map Run in progress of each DISTRIBUTED Map, by the ItemProcessor its child machines run. */
  mapRuns: Map<object, MapRun>;
}

interface MapRun {
  items: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  timeLimitMs?: number;
  failures: number;
  /** Past its tolerance: the Map fails once the children already started have ended, and starts no further child. */
  failed: boolean;
  /** Children started and not yet ended. */
  running: number;
  whenIdle: (() => void)[];
}

/** The engine's errors carry these: a Map state can Retry and Catch States.ExceedToleratedFailureThreshold. */
class StatesError extends Error {
  constructor(
    name: string,
    message: string,
    readonly isCatchable = true,
    readonly isRetryable = true,
  ) {
    super(message);
    this.name = name;
  }
}

const LAYER = Symbol('distributed Map layer');
let wrapped = false;

function wrapStateMachine(): void {
  if (wrapped) return;
  wrapped = true;
  const prototype = StateMachine.prototype as Json;
  const { run, execute } = prototype;
  prototype.execute = function (this: Json, input: Json, options: Json, cleanup: Json) {
    const layer: Layer | undefined = options?.runOptions?.[LAYER];
    if (layer) watchDistributedMaps(this.definition, options.eventLogger, layer);
    return execute.call(this, input, options, cleanup);
  };
  prototype.run = function (this: Json, input: Json, options: Json) {
    const layer: Layer | undefined = options?.[LAYER];
    const mapRun = layer?.mapRuns.get(this.definition);
    if (!layer || !mapRun) return run.call(this, input, options);
    return runChild(() => run.call(this, input, options), input, mapRun, layer.options);
  };
}

/** Starts a Map Run whenever the machine enters one of its DISTRIBUTED Maps, before the Map starts any child. */
function watchDistributedMaps(definition: Json, eventLogger: Json, layer: Layer): void {
  const entered = eventLogger.dispatchStateEnteredEvent.bind(eventLogger);
  eventLogger.dispatchStateEnteredEvent = (stateName: string, stateType: string, input: Json) => {
    const state = definition.States[stateName];
    if (state?.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      layer.mapRuns.set(state.ItemProcessor, startMapRun(stateName, state, input, layer.options));
    }
    entered(stateName, stateType, input);
  };
}

function startMapRun(stateName: string, state: Json, rawInput: Json, options: DistributedMapOptions): MapRun {
  for (const field of ['ItemReader', 'ItemBatcher', 'ResultWriter']) {
    if (field in state) throw new Error(`Map state ${stateName}: ${field} is not run locally`);
  }
  const input = state.InputPath === null ? {} : readPath(state.InputPath ?? '$', rawInput, stateName);
  const items = readPath(state.ItemsPath ?? '$', input, stateName);
  if (!Array.isArray(items)) throw runtimeError(`Map state ${stateName}: ItemsPath ${state.ItemsPath} is not an array`);
  const tolerance = (field: string, valid: (n: unknown) => boolean): number | undefined => {
    const value = `${field}Path` in state ? readPath(state[`${field}Path`], input, stateName) : state[field];
    if (value !== undefined && !valid(value)) throw runtimeError(`Map state ${stateName}: ${field} ${JSON.stringify(value)} is out of range`);
    return value;
  };
  return {
    items: items.length,
    toleratedFailureCount: tolerance('ToleratedFailureCount', (n) => Number.isInteger(n) && (n as number) >= 0),
    toleratedFailurePercentage: tolerance('ToleratedFailurePercentage', (n) => typeof n === 'number' && n >= 0 && n <= 100),
    timeLimitMs: state.ItemProcessor.ProcessorConfig.ExecutionType === 'EXPRESS' ? (options.expressTimeLimitMs ?? EXPRESS_TIME_LIMIT_MS) : undefined,
    failures: 0,
    failed: false,
    running: 0,
    whenIdle: [],
  };
}

/** A Map Run fails when its failed children exceed either tolerance; with neither given it tolerates none. */
function exceedsTolerance(mapRun: MapRun): boolean {
  const { failures, items, toleratedFailureCount: count, toleratedFailurePercentage: percentage } = mapRun;
  if (count === undefined && percentage === undefined) return failures > 0;
  return (count !== undefined && failures > count) || (percentage !== undefined && (100 * failures) / items > percentage);
}

type ChildOutcome = { output: Json } | { failure: ChildExecutionFailure };

/** One child execution of a Map Run, shaped as StateMachine.run returns it. */
function runChild(start: () => Json, input: Json, mapRun: MapRun, options: DistributedMapOptions) {
  if (mapRun.failed) {
    // A Map Run that has failed starts no further child: the engine still asks for those it had queued.
    return { abort: () => {}, eventLogs: events([]), result: Promise.resolve(null) };
  }
  const injected = options.failChildExecution?.(input);
  if (injected) {
    return {
      abort: () => {},
      eventLogs: events([{ type: 'ExecutionStarted', timestamp: Date.now(), input }, failedEvent(injected)]),
      result: settle(mapRun, Promise.resolve({ failure: injected })),
    };
  }

  const execution = start();
  let timedOut: ChildExecutionFailure | undefined;
  const timer =
    mapRun.timeLimitMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = { error: 'States.Timeout', cause: `The child execution ran longer than ${mapRun.timeLimitMs} ms` };
          execution.abort();
        }, mapRun.timeLimitMs);
  const outcome = (async (): Promise<ChildOutcome> => {
    try {
      const output = await execution.result;
      return timedOut ? { failure: timedOut } : { output };
    } catch (error) {
      return { failure: timedOut ?? describe(error) };
    } finally {
      clearTimeout(timer);
    }
  })();
  async function* eventLogs() {
    yield* execution.eventLogs;
    // An aborted child logs no failure of its own; Step Functions shows a timed-out child as failed.
    if (timedOut) yield failedEvent(timedOut);
  }
  return {
    abort: () => {
      clearTimeout(timer);
      execution.abort();
    },
    eventLogs: eventLogs(),
    result: settle(mapRun, outcome),
  };
}

/**
 * Counts a child's outcome into its Map Run. Within the tolerance the Map goes on, and a failed child's place in
 * the Map's output holds its error (what Step Functions puts there is not documented; the sweep's tally does not
 * rely on it). Past the tolerance the Map fails, once the children already started have ended, as Step Functions
 * lets them.
 */
async function settle(mapRun: MapRun, outcome: Promise<ChildOutcome>): Promise<Json> {
  mapRun.running += 1;
  const ended = await outcome;
  mapRun.running -= 1;
  if (mapRun.running === 0) mapRun.whenIdle.splice(0).forEach((resume) => resume());
  if ('output' in ended) return ended.output;
  if (mapRun.failed) return null;
  mapRun.failures += 1;
  if (!exceedsTolerance(mapRun)) return { Error: ended.failure.error, Cause: ended.failure.cause };
  mapRun.failed = true;
  if (mapRun.running > 0) await new Promise<void>((resume) => mapRun.whenIdle.push(resume));
  // The engine forwards the children's events to the parent's log a turn later; a failed parent logs no more.
  await new Promise((resume) => setImmediate(resume));
  throw new StatesError(
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    `${mapRun.failures} of ${mapRun.items} child executions failed, more than the Map Run tolerates`,
  );
}

/** The engine fails an execution with an ExecutionError whose cause is the state's error. */
function describe(error: unknown): ChildExecutionFailure {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const { name, message } = cause instanceof Error ? cause : { name: 'States.Runtime', message: String(cause) };
  return { error: name, cause: message };
}

function failedEvent(failure: ChildExecutionFailure) {
  return { type: 'ExecutionFailed', timestamp: Date.now(), Error: failure.error, Cause: failure.cause };
}

async function* events(list: Json[]) {
  yield* list;
}

function runtimeError(message: string): StatesError {
  return new StatesError('States.Runtime', message, false, false);
}

/** Reads a reference path (`$`, `$.a.b`, `$.a[0]`), the only kind the Map fields read here take. */
function readPath(path: string, value: Json, stateName: string): Json {
  if (!/^\$(\.[A-Za-z_][\w-]*|\[\d+\])*$/.test(path)) throw new Error(`Map state ${stateName}: path ${path} is not run locally`);
  let found = value;
  for (const [, key, index] of path.slice(1).matchAll(/\.([\w-]+)|\[(\d+)\]/g)) found = found?.[key ?? Number(index)];
  if (found === undefined) throw runtimeError(`Map state ${stateName}: path ${path} points to nothing`);
  return found;
}
