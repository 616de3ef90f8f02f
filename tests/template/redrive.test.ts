// The failure path of statemachines/sweep.asl.yml, read off the definition itself: a repository that fails is caught
// on the first pass, and a child execution that fails whole is tolerated; on the final attempt a failure must leave
// the Distributed Map uncaught and untolerated. Only then does the execution end FAILED at the Map state, so that
// Redrive re-runs the Map Run's failed children (a redriven Fail state would just fail again, and a Map within its
// tolerated failures succeeds and cannot be redriven).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from './serverless';

type State = Record<string, any>;
const definition = parse(fs.readFileSync(path.join(projectRoot, 'statemachines', 'sweep.asl.yml'), 'utf8')) as State;
const top: Record<string, State> = definition.States;
const map = top.ManageRepositories;
const child: Record<string, State> = map.ItemProcessor.States;
const perRepository: Record<string, State> = child.ManageEachRepository.ItemProcessor.States;

/** Where a state can go next, Catch targets included. */
function successors(state: State): string[] {
  return [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((c: State) => c.Next),
    ...(state.Catch ?? []).map((c: State) => c.Next),
  ].filter((n): n is string => typeof n === 'string');
}

describe('failure handling in the definition', () => {
  test('the Distributed Map has no Catch, and takes its tolerated failures from the state', () => {
    expect(map.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map.Catch).toBeUndefined();
    expect(map.ToleratedFailurePercentagePath).toBe('$.mapRun.toleratedFailurePercentage');
    // Nothing else tolerates a failure: a fixed count or percentage would hold on the final attempt too.
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    expect(map.ToleratedFailureCount).toBeUndefined();
    expect(map.ToleratedFailureCountPath).toBeUndefined();
    // Nothing inside the child catches what the per-repository Map lets out either.
    expect(child.ManageEachRepository.Catch).toBeUndefined();
  });

  test('the first pass tolerates every failed child, the final attempt none', () => {
    expect(top.StartReport.Parameters.finalAttempt).toBe(false);
    expect(top.StartReport.Parameters.mapRun.toleratedFailurePercentage).toBe(100);
    expect(top.PrepareFinalAttempt.Parameters.finalAttempt).toBe(true);
    expect(top.PrepareFinalAttempt.Parameters.mapRun.toleratedFailurePercentage).toBe(0);
  });

  test("the first pass runs at the stage's concurrency, the final attempt starts every child at once", () => {
    expect(map.MaxConcurrencyPath).toBe('$.mapRun.maxConcurrency');
    expect(map.MaxConcurrency).toBeUndefined();
    expect(top.StartReport.Parameters.mapRun['maxConcurrency.$']).toBe('$.run.maxConcurrency');
    // One child per failed name, and as many at once as there are names.
    const prepared = top.PrepareFinalAttempt.Parameters;
    expect(top.ListFailedRepositories.Parameters['failedRepositoryNames.$']).toBe('$.report.failedRepositories[*].repositoryName');
    expect(top.ListFailedRepositories.Next).toBe('PrepareFinalAttempt');
    expect(prepared.page['batches.$']).toBe('States.ArrayPartition($.failedRepositoryNames, 1)');
    expect(prepared.mapRun['maxConcurrency.$']).toBe('States.ArrayLength($.failedRepositoryNames)');
  });

  test('every per-repository task catches any error and goes to the choice between recording it and failing', () => {
    const tasks = Object.entries(perRepository).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['CheckLifecyclePolicy', 'ExpireUnpulledImages', 'MeasureStoredImages', 'PutLifecyclePolicy']);
    for (const [, task] of tasks) {
      const catchAll = task.Catch.find((c: State) => c.ErrorEquals.includes('States.ALL'));
      expect(catchAll.Next).toBe('IsFinalAttempt');
      // A repository deleted during the sweep is a skip, caught before the catch-all.
      expect(task.Catch[0]).toMatchObject({ ErrorEquals: ['RepositoryNotFoundException'], Next: 'SkipDeletedRepository' });
    }
  });

  test('on the first pass a failure is recorded with the repository name; on the final attempt it reaches a Fail state', () => {
    const choice = perRepository.IsFinalAttempt;
    const finalBranch = choice.Choices.find((c: State) => c.Variable === '$.finalAttempt' && c.BooleanEquals === true);
    expect(perRepository[choice.Default].Type).toBe('Pass');
    expect(perRepository[choice.Default].Parameters).toEqual({
      'repositoryName.$': '$.repositoryName',
      'error.$': '$.error.Error',
      'imagesExpired.$': '$.expiry.imagesExpired',
      'bytesExpired.$': '$.expiry.bytesExpired',
    });

    // Follow the final branch: it must end in a Fail state, through states that catch nothing.
    let name: string = finalBranch.Next;
    const path: string[] = [];
    while (perRepository[name].Type !== 'Fail') {
      path.push(name);
      expect(perRepository[name].Catch).toBeUndefined();
      expect(path.length).toBeLessThan(5);
      name = perRepository[name].Next;
    }
    expect(perRepository[name].Type).toBe('Fail');
  });

  test('every result of a repository names it, so that the tally can find the repositories of a child that failed whole', () => {
    const ends = Object.entries(perRepository).filter(([, s]) => s.End === true);
    expect(ends.length).toBeGreaterThan(0);
    for (const [name, state] of ends) {
      expect({ name, type: state.Type, repositoryName: state.Parameters['repositoryName.$'] }).toEqual({
        name,
        type: 'Pass',
        repositoryName: '$.repositoryName',
      });
    }
    // The tally gets the page's repositories beside the results.
    expect(top.TallyReport.Parameters['batches.$']).toBe('$.page.batches');
    expect(top.TallyReport.Parameters['results.$']).toBe('$.results');
  });

  test('the final attempt goes back through the same Map, with the failed names one per child and the flag set', () => {
    const prepare = top.PrepareFinalAttempt;
    expect(prepare.Next).toBe('ManageRepositories');
    expect(map.ItemSelector['finalAttempt.$']).toBe('$.finalAttempt');
    expect(child.ManageEachRepository.ItemSelector['finalAttempt.$']).toBe('$.finalAttempt');
  });

  test('a page without a cached repository goes to the tally with no results and starts no Map Run', () => {
    const check = top[top.ListCachedRepositories.Next];
    expect(check.Type).toBe('Choice');
    expect(check.Choices).toEqual([{ Variable: '$.page.batches[0]', IsPresent: true, Next: 'ManageRepositories' }]);
    const skip = top[check.Default];
    expect(skip).toMatchObject({ Type: 'Pass', Result: [], ResultPath: map.ResultPath, Next: 'TallyReport' });
  });

  test('the final attempt is reached only after the last page, and only once', () => {
    const decide = top[top.TallyReport.Next];
    const toFinal = decide.Choices.find((c: State) => c.Next === 'ListFailedRepositories');
    expect(toFinal.And).toEqual(
      expect.arrayContaining([
        { Variable: '$.finalAttempt', BooleanEquals: false },
        { Variable: '$.report.failedRepositories[0]', IsPresent: true },
      ]),
    );
    // Choice rules are tried in order: a page's extra round and the next page come before the final attempt.
    const order = decide.Choices.map((c: State) => c.Next);
    expect(order.indexOf('ManageRepositories')).toBeLessThan(order.indexOf('ListFailedRepositories'));
    expect(order.indexOf('ListCachedRepositories')).toBeLessThan(order.indexOf('ListFailedRepositories'));
    // Every state reachable from the start is defined, and the only top-level Fail is for failures beyond the retry.
    const seen = new Set<string>();
    const queue = [definition.StartAt as string];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      expect(top[name]).toBeDefined();
      queue.push(...successors(top[name]));
    }
    expect([...seen].filter((n) => top[n].Type === 'Fail')).toEqual(['RepositoriesFailed']);
    // Every state is reachable.
    expect([...seen].sort()).toEqual(Object.keys(top).sort());
  });
});
