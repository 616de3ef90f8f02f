// A child execution of the sweep's Distributed Map is EXPRESS, which Step Functions ends with States.Timeout after
// 5 minutes whatever its Retry and Catch say. Its worst case is computed here from the definition (Retry,
// TimeoutSeconds), the largest batch a child gets at each inline concurrency the throttling may set
// (functions/lib/limits.ts) and the Lambda timeouts in serverless.yml: every attempt of every task runs to its
// TimeoutSeconds and every retry waits its longest backoff. A change to any of them that breaks the budget fails
// here. The parent execution is STANDARD, whose history holds at most 25,000 events: the worst case of its pages
// and of the extra rounds for throttled repositories (functions/lib/congestion.ts) is counted here too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { MAX_ROUNDS_PER_PAGE } from '../../functions/lib/congestion';
import { MAX_REPOSITORY_NAME_LENGTH, REPOSITORIES_AT_ONCE, repositoriesPerChild } from '../../functions/lib/limits';
import { afterCall, EMPTY_PAGE, nextMaxResults } from '../../functions/lib/repository-page';
import { projectRoot } from './serverless';

type State = Record<string, any>;
type Machine = { StartAt: string; States: Record<string, State> };

/** Step Functions ends an EXPRESS execution after 5 minutes. */
const EXPRESS_LIMIT_SECONDS = 300;
/** Left for what the arithmetic does not count: starting the child, its Pass and Choice states, Lambda queuing. */
const MARGIN_SECONDS = 30;
/**
 * A Task waits this much longer than its function may run, so that a slow attempt ends by the function's own
 * timeout (its ECR calls stopped, its error visible) before Step Functions stops waiting, with room for a cold start.
 */
const INVOKE_OVERHEAD_SECONDS = 3;

// The ASL defaults of a retrier.
const RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };

const definition = parse(fs.readFileSync(path.join(projectRoot, 'statemachines', 'sweep.asl.yml'), 'utf8')) as Machine;
// serverless.yml holds CloudFormation tags (!Ref, !Sub) this reader does not know; only plain values are read here.
const serverless = parse(fs.readFileSync(path.join(projectRoot, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as State;

/** The longest a retrier makes a task wait between attempts, over all its retries. */
function longestWaits(retrier: State): number {
  const { IntervalSeconds, MaxAttempts, BackoffRate } = { ...RETRY_DEFAULTS, ...retrier };
  let total = 0;
  for (let retry = 0; retry < MaxAttempts; retry += 1) {
    total += Math.min(IntervalSeconds * BackoffRate ** retry, retrier.MaxDelaySeconds ?? Infinity);
  }
  return total;
}

/** A task's worst case: the first attempt and every retry of every retrier, each to its timeout, plus the waits. */
function taskWorstSeconds(task: State): number {
  const retriers: State[] = task.Retry ?? [];
  const attempts = 1 + retriers.reduce((n, r) => n + (r.MaxAttempts ?? RETRY_DEFAULTS.MaxAttempts), 0);
  return attempts * task.TimeoutSeconds + retriers.reduce((n, r) => n + longestWaits(r), 0);
}

function successors(state: State): string[] {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c: State) => c.Next), ...(state.Catch ?? []).map((c: State) => c.Next)].filter(
    (n): n is string => typeof n === 'string',
  );
}

/**
 * The longest path through a (loop-free) state graph. An inline Map runs its items in waves of its concurrency
 * (MaxConcurrency, or `atOnce` for a MaxConcurrencyPath), each wave as long as its slowest item; `items` is how
 * many items such a Map gets.
 */
function worstSeconds(machine: Machine, items: number, atOnce: number, from = machine.StartAt, seen: string[] = []): number {
  if (seen.includes(from)) throw new Error(`the states loop at ${from}: no worst case`);
  const state = machine.States[from];
  let own = 0;
  if (state.Type === 'Task') own = taskWorstSeconds(state);
  if (state.Type === 'Map') own = Math.ceil(items / (state.MaxConcurrency ?? atOnce)) * worstSeconds(state.ItemProcessor, items, atOnce);
  const next = successors(state).map((name) => worstSeconds(machine, items, atOnce, name, [...seen, from]));
  return own + Math.max(0, ...next);
}

/** Every inline concurrency a child may run at: the tally halves it from REPOSITORIES_AT_ONCE down to 1. */
const INLINE_CONCURRENCIES = Array.from({ length: REPOSITORIES_AT_ONCE }, (_, i) => i + 1);

const childMachine = (d: Machine) => d.States.ManageRepositories.ItemProcessor as Machine;

/** Every state at any depth, with the machine it belongs to. */
function allStates(machine: Machine): [string, State][] {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);
}

function functionTimeout(key: string): number {
  const timeout = serverless.functions?.[key]?.timeout ?? serverless.provider?.timeout;
  if (typeof timeout !== 'number') throw new Error(`serverless.yml gives function ${key} no timeout in seconds`);
  return timeout;
}

describe('the worst case arithmetic', () => {
  it('counts every attempt to its timeout and every wait at its longest, capped by MaxDelaySeconds', () => {
    const task = {
      TimeoutSeconds: 10,
      Retry: [
        { ErrorEquals: ['A'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
        { ErrorEquals: ['B'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 3, MaxDelaySeconds: 5 },
      ],
    };
    // 6 attempts of 10 s; waits 1 + 2, then 2 + 5 + 5.
    expect(taskWorstSeconds(task)).toBe(60 + 3 + 12);
  });

  it('runs the items of an inline Map in waves of its MaxConcurrency, along the longest path', () => {
    const machine: Machine = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 4,
          ItemProcessor: {
            StartAt: 'Short',
            States: {
              Short: { Type: 'Task', TimeoutSeconds: 1, Retry: [], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Long' }], Next: 'Done' },
              // A retrier with the ASL defaults: 3 retries, 1 s doubling.
              Long: { Type: 'Task', TimeoutSeconds: 5, Retry: [{ ErrorEquals: ['States.ALL'] }], Next: 'Done' },
              Done: { Type: 'Pass', End: true },
            },
          },
          End: true,
        },
      },
    };
    // Three waves of 9 items; the longest path is Short, caught, then Long with 4 attempts of 5 s and 1 + 2 + 4 s of waits.
    expect(worstSeconds(machine, 9, 1)).toBe(3 * (1 + 4 * 5 + 7));
    // A MaxConcurrencyPath runs at the concurrency given.
    delete machine.States.Each.MaxConcurrency;
    expect(worstSeconds(machine, 9, 3)).toBe(3 * (1 + 4 * 5 + 7));
  });
});

describe("a child execution's time budget", () => {
  it('has a TimeoutSeconds on every Task, at any depth', () => {
    const tasks = allStates(definition).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, task] of tasks) {
      expect({ name, TimeoutSeconds: task.TimeoutSeconds }).toEqual({ name, TimeoutSeconds: expect.any(Number) });
      expect(Number.isInteger(task.TimeoutSeconds) && task.TimeoutSeconds >= 1).toBe(true);
    }
  });

  it("waits on every Task longer than its Lambda function's timeout in serverless.yml", () => {
    const tooShort = allStates(definition)
      .filter(([, s]) => s.Type === 'Task')
      .map(([name, task]) => ({ name, TimeoutSeconds: task.TimeoutSeconds, needs: functionTimeout(task.Resource['Fn::GetAtt'][0]) + INVOKE_OVERHEAD_SECONDS }))
      .filter(({ TimeoutSeconds, needs }) => TimeoutSeconds < needs);
    expect(tooShort).toEqual([]);
  });

  it('runs its repositories at the concurrency the tally sets', () => {
    const inline = childMachine(definition).States.ManageEachRepository;
    expect(inline.MaxConcurrency).toBeUndefined();
    expect(inline.MaxConcurrencyPath).toBe('$.repositoriesAtOnce');
    expect(definition.States.ManageRepositories.ItemSelector['repositoriesAtOnce.$']).toBe('$.mapRun.repositoriesAtOnce');
  });

  it.each(INLINE_CONCURRENCIES)('fits its largest batch at %i repositories at once, every retry taken, in 5 minutes with a margin', (atOnce) => {
    const child = childMachine(definition);
    expect(definition.States.ManageRepositories.ItemProcessor.ProcessorConfig.ExecutionType).toBe('EXPRESS');
    expect(worstSeconds(child, repositoriesPerChild(atOnce), atOnce)).toBeLessThanOrEqual(EXPRESS_LIMIT_SECONDS - MARGIN_SECONDS);
  });

  // The budget is only worth checking if a change that breaks it is caught.
  it.each([
    ['one more retry on every task', (child: Machine) => allStates(child).forEach(([, s]) => s.Retry?.forEach((r: State) => (r.MaxAttempts += 1))), 0],
    ['a batch of one more wave', () => undefined, 1],
    ['a longer expiry', (child: Machine) => (child.States.ManageEachRepository.ItemProcessor.States.ExpireUnpulledImages.TimeoutSeconds *= 2), 0],
  ])('is broken by %s', (_, change, extraWaves) => {
    for (const atOnce of INLINE_CONCURRENCIES) {
      const child = structuredClone(childMachine(definition));
      change(child);
      expect(worstSeconds(child, repositoriesPerChild(atOnce) + extraWaves * atOnce, atOnce)).toBeGreaterThan(EXPRESS_LIMIT_SECONDS - MARGIN_SECONDS);
    }
  });
});

/** A Standard execution's history holds at most 25,000 events. */
const HISTORY_LIMIT = 25_000;
/** The registry one execution must sweep whatever ECR's throttling, with every name ECR's longest. */
const REGISTRY_REPOSITORIES = 115_000;

/**
 * The events a state adds to the parent's history: a Task is entered, scheduled, started, succeeded and exited;
 * each retry adds a failure, a schedule and a start. A Distributed Map is entered, started, runs a Map Run (started,
 * succeeded), succeeds and exits; its child executions have histories of their own. A Pass or Choice is entered and
 * exited.
 */
function stateEvents(state: State, retries: number): number {
  if (state.Type === 'Task') return 5 + 3 * retries;
  if (state.Type === 'Map') return 6;
  return 2;
}

/** The events of a walk through the parent's states, each step checked to be a transition the definition has. */
function walkEvents(names: string[], retries: number): number {
  const states = definition.States;
  names.forEach((name, i) => {
    if (!states[name]) throw new Error(`no state ${name}`);
    if (i > 0 && !successors(states[names[i - 1]]).includes(name)) throw new Error(`${names[i - 1]} does not lead to ${name}`);
  });
  return names.reduce((sum, name) => sum + stateEvents(states[name], retries), 0);
}

/** A page with the most cached repositories, every name ECR's longest (functions/lib/repository-page.ts). */
function largestPage(): number {
  let fill = EMPTY_PAGE;
  let repositories = 0;
  for (let maxResults = nextMaxResults(fill); maxResults > 0; maxResults = nextMaxResults(fill)) {
    repositories += maxResults;
    fill = afterCall(fill, Array.from({ length: maxResults }, () => 'r'.repeat(MAX_REPOSITORY_NAME_LENGTH)));
  }
  return repositories;
}

describe("the parent execution's history", () => {
  // Every Task retried once, as a busy account may make it.
  const retries = 1;
  const start = 1 + walkEvents(['ListPullThroughCachePrefixes', 'StartReport', 'HasPullThroughCacheRules', 'ListCachedRepositories'], retries);
  const page = walkEvents(['ListCachedRepositories', 'HasCachedRepositories', 'ManageRepositories', 'TallyReport', 'DecideAfterTally'], retries);
  const round = walkEvents(['DecideAfterTally', 'ManageRepositories', 'TallyReport', 'DecideAfterTally'], retries) - 2;
  const end =
    walkEvents(['DecideAfterTally', 'ListFailedRepositories', 'PrepareFinalAttempt', 'ManageRepositories', 'TallyReport', 'DecideAfterTally', 'RepositoriesFailed'], retries) + 1;
  /** An execution of `pages` pages in which throttling takes every extra round the tally allows. */
  const worstEvents = (pages: number) => start + pages * page + (MAX_ROUNDS_PER_PAGE + pages - 1) * round + end;

  it('bounds the extra rounds of one page', () => {
    expect(MAX_ROUNDS_PER_PAGE).toBeGreaterThan(2);
    expect(MAX_ROUNDS_PER_PAGE).toBeLessThanOrEqual(20);
  });

  it(`holds a sweep of ${REGISTRY_REPOSITORIES.toLocaleString('en')} repositories with the longest names and every extra round taken`, () => {
    const pages = Math.ceil(REGISTRY_REPOSITORIES / largestPage());
    expect(worstEvents(pages)).toBeLessThanOrEqual(HISTORY_LIMIT);
  });

  it('would not hold a round per page of its own on top of that', () => {
    const pages = Math.ceil(REGISTRY_REPOSITORIES / largestPage());
    expect(worstEvents(pages) + MAX_ROUNDS_PER_PAGE * pages * round).toBeGreaterThan(HISTORY_LIMIT);
  });
});
