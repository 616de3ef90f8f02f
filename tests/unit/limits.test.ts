// The largest state the sweep's parent execution can carry, built by running the definition's own Pass states and
// ResultPaths over the largest values each Task can return (the largest page functions/lib/repository-page.ts
// lets one page take, all named with ECR's longest name), measured against Step Functions' 256 KiB limit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { toBatches } from '../../functions/lib/batches';
import { FIGURE_NAMES, type CacheContents, type CacheFigures } from '../../functions/lib/cache-contents';
import { MAX_FAILED_NAMES, emptyReport, type Report, type RepositoryResult } from '../../functions/lib/report';
import { DELETE_BATCH_SIZE, MAX_REPOSITORY_NAME_LENGTH, REPOSITORIES_AT_ONCE, REPOSITORIES_PER_CHILD } from '../../functions/lib/limits';
import { afterCall, childBatches, EMPTY_PAGE, nextMaxResults } from '../../functions/lib/repository-page';
import { tallyMapRun } from '../../functions/lib/rounds';
import type { RepositoryPage } from '../../functions/steps/list-cached-repositories';
import type { SweepRun } from '../../functions/steps/list-pull-through-cache-prefixes';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type State = { Type: string; Parameters?: Json; ResultPath?: string; ItemsPath?: string; ItemSelector?: Json; Next?: string; ItemProcessor?: Json };

const definition = parse(readFileSync(join(__dirname, '../../statemachines/sweep.asl.yml'), 'utf8'));
const states: Record<string, State> = definition.States;

const KIB = 1024;
const BUDGET = 200 * KIB; // Step Functions allows 256 KiB; keep a margin.
const NAME_LENGTH = MAX_REPOSITORY_NAME_LENGTH;
const PREFIX_LENGTH = 30; // ECR's longest ecrRepositoryPrefix
const PREFIXES = 50; // pull-through cache rules per registry
// ECR documents no maximum for nextToken; real ones are a few hundred characters. Assume a generous one.
const NEXT_TOKEN = 'T'.repeat(2048);
// The longest error name the Catch can record: one of the Lambda errors once its retries are spent.
const LONGEST_ERROR = 'Lambda.ClientExecutionTimeoutException';

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const longName = (i: number) => {
  const head = `docker-hub/library/repo-${i}-`;
  return head + 'x'.repeat(NAME_LENGTH - head.length);
};

function read(path: string, state: Json, context: Json): Json {
  const [root, ...keys] = path.split('.');
  let value = root === '$$' ? context : root === '$' ? state : undefined;
  if (value === undefined) throw new Error(`unsupported path ${path}`);
  for (const [i, key] of keys.entries()) {
    // `list[*]`: the rest of the path read from every element.
    const every = /^(\w+)\[\*\]$/.exec(key);
    if (every) return (value?.[every[1]] as Json[]).map((element) => read(['$', ...keys.slice(i + 1)].join('.'), element, context));
    const indexed = /^(\w+)\[(\d+)\]$/.exec(key);
    value = indexed ? value?.[indexed[1]]?.[Number(indexed[2])] : value?.[key];
  }
  return value;
}

/** Evaluates Parameters / ItemSelector: `key.$` paths, the intrinsics the definition uses, and literals. */
function evaluate(template: Json, state: Json, context: Json = {}): Json {
  if (Array.isArray(template)) return template.map((v) => evaluate(v, state, context));
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      if (!key.endsWith('.$')) return [key, evaluate(value, state, context)];
      const expression = value as string;
      const partition = /^States\.ArrayPartition\((\$[^,]*),\s*(\d+)\)$/.exec(expression);
      if (partition) return [key.slice(0, -2), toBatches(read(partition[1], state, context), Number(partition[2]))];
      const length = /^States\.ArrayLength\((\$[^)]*)\)$/.exec(expression);
      if (length) return [key.slice(0, -2), read(length[1], state, context).length];
      const array = /^States\.Array\(([^)]*)\)$/.exec(expression);
      if (array) return [key.slice(0, -2), array[1].split(',').map((arg) => arg.trim()).map((arg) => (arg.startsWith('$') ? read(arg, state, context) : JSON.parse(arg)))];
      if (expression.startsWith('States.')) throw new Error(`unsupported intrinsic ${expression}`);
      return [key.slice(0, -2), read(expression, state, context)];
    }),
  );
}

/** Places a Task's result into its input the way ResultPath does (a `$.key` path) and returns the state output. */
function applyResult(state: Json, resultPath: string | undefined, result: Json): Json {
  if (resultPath === undefined) return result;
  const match = /^\$\.(\w+)$/.exec(resultPath);
  if (!match) throw new Error(`unsupported ResultPath ${resultPath}`);
  return { ...state, [match[1]]: result };
}

const run: SweepRun = {
  dryRun: false,
  referenceTime: '2026-11-30T02:00:00.000Z',
  repositoryName: null,
  ecrRepositoryPrefixes: Array.from({ length: PREFIXES }, (_, i) => `p${i}-`.padEnd(PREFIX_LENGTH, 'x')),
  maxConcurrency: 1,
  repositoriesAtOnce: REPOSITORIES_AT_ONCE,
  // A settings file as big as a Lambda environment carries, every prefix of it without a rule.
  prefixesWithoutRule: Array.from({ length: 130 }, (_, i) => `s${i}-`.padEnd(30, 'x')),
};

/** The largest page the list step takes: every repository it asks for is cached and has the longest name. */
function fullPage(from: number): RepositoryPage {
  const names: string[] = [];
  let fill = EMPTY_PAGE;
  for (let maxResults = nextMaxResults(fill); maxResults > 0; maxResults = nextMaxResults(fill)) {
    const cached = Array.from({ length: maxResults }, (_, i) => longName(from + names.length + i));
    names.push(...cached);
    fill = afterCall(fill, cached);
  }
  return { batches: childBatches(names, run.maxConcurrency), nextToken: NEXT_TOKEN, scanned: names.length, cached: names.length };
}

const perRepository = states.ManageRepositories.ItemProcessor.States.ManageEachRepository.ItemProcessor.States;

/** What the Map returns when every repository of every child ends in the given terminal Pass state. */
function allEndIn(stateName: string, batches: string[][], stateInput: Json): RepositoryResult[][] {
  return batches.map((batch) => batch.map((name) => evaluate(perRepository[stateName].Parameters, { ...stateInput, repositoryName: name })));
}

/** Every repository failed, with the longest error name. */
const allFailed = (batches: string[][]) => allEndIn('RecordFailure', batches, { error: { Error: LONGEST_ERROR, Cause: '' } });
/** Every repository was throttled: the tally sends each of them again in an extra round. */
const allThrottled = (batches: string[][]) => allEndIn('RecordFailure', batches, { error: { Error: 'ThrottlingException', Cause: '' } });
/** Every repository kept its own policy and had more images expired than any repository holds. */
const allReported = (batches: string[][]) =>
  allEndIn('ReportRepository', batches, { check: { lifecyclePolicy: 'USER_DEFINED' }, expiry: {
    lifecyclePolicy: 'OUTDATED', imagesExpired: 1e9, bytesExpired: Number.MAX_SAFE_INTEGER,
    policyImagesExpired: 1e9, policyBytesExpired: Number.MAX_SAFE_INTEGER, policyImagesInUse: 1e9, policyNotes: 1e9,
    imagesBefore: 1e9, bytesBefore: Number.MAX_SAFE_INTEGER,
  } });

/** Every figure of every cache at its largest: 50 prefixes of the longest and ROOT. */
function fullCache(): CacheContents {
  const largest = Object.fromEntries(FIGURE_NAMES.map((name) => [name, Number.MAX_SAFE_INTEGER])) as unknown as CacheFigures;
  return { prefixes: [...run.ecrRepositoryPrefixes, 'ROOT'].map((prefix) => ({ prefix, ...largest })), total: largest };
}

function fullReport(): Report {
  return {
    ...emptyReport(),
    cache: fullCache(),
    scanned: 1e9,
    cached: 1e9,
    bytesExpired: Number.MAX_SAFE_INTEGER,
    policyImagesExpired: 1e9,
    policyBytesExpired: Number.MAX_SAFE_INTEGER,
    policyImagesInUse: 1e9,
    repositoriesWithPolicyNotes: 1e9,
    failed: 1e9,
    failedRepositories: Array.from({ length: MAX_FAILED_NAMES }, (_, i) => ({ repositoryName: longName(1e6 + i), error: LONGEST_ERROR })),
  };
}

describe('the sweep definition the sizes are measured on', () => {
  it('hands the Map the page batches and keeps its results beside the page', () => {
    expect(states.ListCachedRepositories.ResultPath).toBe('$.page');
    expect(states.ManageRepositories.ItemsPath).toBe('$.page.batches');
    expect(states.ManageRepositories.ResultPath).toBe('$.results');
    // The tally's result is the whole next state: the results it counted leave it.
    expect(states.TallyReport.ResultPath).toBeUndefined();
  });

  it('records a failed repository by its name and error', () => {
    expect(allFailed([['quay/a']])).toEqual([[{ repositoryName: 'quay/a', error: LONGEST_ERROR }]]);
  });

  it('gives the tally the page batches beside the results', () => {
    expect(states.TallyReport.Parameters['batches.$']).toBe('$.page.batches');
    expect(states.TallyReport.Parameters['results.$']).toBe('$.results');
  });
});

describe('the largest parent state', () => {
  // Walk one pass of the page loop with the largest values, measuring every state output on the way.
  const execution = { repositoryName: 'r'.repeat(NAME_LENGTH), referenceTime: '2026-11-30T02:00:00+00:00', dryRun: true };
  const afterPrefixes = applyResult(execution, states.ListPullThroughCachePrefixes.ResultPath, run);
  const afterStart = evaluate(states.StartReport.Parameters, afterPrefixes);
  // A later page: the report already holds the most failed names it keeps.
  const laterPage = { ...afterStart, report: fullReport() };
  const afterList = applyResult(laterPage, states.ListCachedRepositories.ResultPath, fullPage(0));
  const afterMap = applyResult(afterList, states.ManageRepositories.ResultPath, allFailed(afterList.page.batches));
  const afterMapReported = applyResult(afterList, states.ManageRepositories.ResultPath, allReported(afterList.page.batches));
  // The tally step's own decisions, over the largest input the definition gives it.
  const afterTally = tallyMapRun(evaluate(states.TallyReport.Parameters, afterMap));
  const afterMapThrottled = applyResult(afterList, states.ManageRepositories.ResultPath, allThrottled(afterList.page.batches));
  const afterTallyThrottled = tallyMapRun(evaluate(states.TallyReport.Parameters, afterMapThrottled));
  const afterRound = applyResult(afterTallyThrottled, states.ManageRepositories.ResultPath, allFailed(afterTallyThrottled.page.batches));

  it('carries a full page of the longest names through the Map, beside the figures of every cache', () => {
    expect(afterMap.report.cache.prefixes).toHaveLength(PREFIXES + 1);
    expect(afterMapReported.results.flat()[0].figures).toContain(Number.MAX_SAFE_INTEGER);
    const pageSize = afterMap.page.cached;
    expect(pageSize).toBeGreaterThan(150);
    expect(afterMap.page.batches.flat()).toHaveLength(pageSize);
    expect(afterMap.page.batches.flat().every((n: string) => n.length === NAME_LENGTH)).toBe(true);
    expect(afterMap.results.flat()).toHaveLength(pageSize);
    expect(afterMap.report.failedRepositories).toHaveLength(MAX_FAILED_NAMES);
    expect(afterMap.run.ecrRepositoryPrefixes).toHaveLength(PREFIXES);
  });

  it.each([
    ['after the prefixes', () => afterPrefixes],
    ['after the repository page', () => afterList],
    ['after the Map, with every repository failed', () => afterMap],
    ['after the Map, with every repository reported', () => afterMapReported],
    ['after the tally', () => afterTally],
    ['after the tally, with every repository throttled and going again', () => afterTallyThrottled],
    ['after an extra round, with every repository failed', () => afterRound],
  ])('stays under 200 KiB %s', (_, state) => {
    expect(size(state())).toBeLessThan(BUDGET);
  });

  it('sends every throttled repository of the page again, each once', () => {
    expect(afterTallyThrottled.page.batches.flat().sort()).toEqual(afterList.page.batches.flat().sort());
    expect(afterTallyThrottled.report.failed).toBe(fullReport().failed);
    expect(afterRound).not.toHaveProperty('page.results');
  });

  it('gives the tally step an input under 200 KiB', () => {
    expect(size(evaluate(states.TallyReport.Parameters, afterRound))).toBeLessThan(BUDGET);
    expect(size(evaluate(states.TallyReport.Parameters, afterMap))).toBeLessThan(BUDGET);
    expect(size(evaluate(states.TallyReport.Parameters, afterMapReported))).toBeLessThan(BUDGET);
  });

  it('gives each child execution a small input', () => {
    const child = evaluate(states.ManageRepositories.ItemSelector, afterList, { Map: { Item: { Value: afterList.page.batches[0] } } });
    expect(child.repositoryNames.length).toBeLessThanOrEqual(REPOSITORIES_PER_CHILD);
    expect(size(child)).toBeLessThan(32 * KIB);
  });

  it("stays under 200 KiB in the final attempt's pass", () => {
    const listed = evaluate(states.ListFailedRepositories.Parameters, afterTally);
    expect(size(listed)).toBeLessThan(BUDGET);
    const prepared = evaluate(states.PrepareFinalAttempt.Parameters, listed);
    // The final attempt retries each kept name in a child of its own.
    expect(prepared.finalAttempt).toBe(true);
    expect(prepared.mapRun.maxConcurrency).toBe(MAX_FAILED_NAMES);
    expect(prepared.page.batches).toHaveLength(MAX_FAILED_NAMES);
    expect(prepared.page.batches.every((b: string[]) => b.length === 1)).toBe(true);
    expect(size(prepared)).toBeLessThan(BUDGET);

    const results = allReported(prepared.page.batches);
    const afterFinalMap = applyResult(prepared, states.ManageRepositories.ResultPath, results);
    expect(size(afterFinalMap)).toBeLessThan(BUDGET);
    expect(size(applyResult(afterFinalMap, states.TallyReport.ResultPath, fullReport()))).toBeLessThan(BUDGET);
  });

  it('deletes images in calls BatchDeleteImage accepts', () => {
    expect(DELETE_BATCH_SIZE).toBeLessThanOrEqual(100);
  });
});
