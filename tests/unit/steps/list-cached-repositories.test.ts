import { mockClient } from 'aws-sdk-client-mock';
import { DescribeRepositoriesCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { listCachedRepositories } from '../../../functions/steps/list-cached-repositories';
import { MAX_REPOSITORY_NAME_LENGTH, REPOSITORIES_AT_ONCE, REPOSITORIES_PER_CHILD } from '../../../functions/lib/limits';
import { afterCall, EMPTY_PAGE, MAX_CALLS_PER_PAGE, nextMaxResults } from '../../../functions/lib/repository-page';
import { context, serviceError } from './helpers';
import { rejectionOf } from '../../rejection';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

const repositories = (names: string[]) => names.map((repositoryName) => ({ repositoryName }));
const PREFIXES = ['docker-hub', 'quay'];

const firstMaxResults = nextMaxResults(EMPTY_PAGE);
const input = (
  over: Partial<{ ecrRepositoryPrefixes: string[]; repositoryName: string | null; maxConcurrency: number; repositoriesAtOnce: number; nextToken: string | null }> = {},
) => ({
  ecrRepositoryPrefixes: PREFIXES,
  repositoryName: null,
  maxConcurrency: 1,
  repositoriesAtOnce: REPOSITORIES_AT_ONCE,
  nextToken: null,
  ...over,
});

describe('listing one page of cached repositories', () => {
  it('asks for as many repositories as the page holds at worst and returns the cached ones', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: repositories(['docker-hub/library/nginx', 'team/app', 'quayside/app', 'quay/coreos/etcd', 'quay']),
    });
    const listed = await listCachedRepositories.run(input(), context);
    expect(listed).toEqual({ batches: [['docker-hub/library/nginx', 'quay/coreos/etcd']], nextToken: null, scanned: 5, cached: 2 });
    const calls = ecr.commandCalls(DescribeRepositoriesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ maxResults: firstMaxResults });
  });

  it('continues from the token it is given and ends the loop on the last page', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['quay/a']) });
    const listed = await listCachedRepositories.run(input({ nextToken: 'page-2' }), context);
    expect(ecr.commandCalls(DescribeRepositoriesCommand)[0].args[0].input).toEqual({ maxResults: firstMaxResults, nextToken: 'page-2' });
    expect(listed).toEqual({ batches: [['quay/a']], nextToken: null, scanned: 1, cached: 1 });
  });

  it('makes further calls while the page has room, each from the token of the one before', async () => {
    const answer = (from: number, count: number, nextToken?: string) => ({
      repositories: repositories(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? `quay/repo-${from + i}` : `team/app-${from + i}`))),
      nextToken,
    });
    const answers = [answer(0, firstMaxResults, 't1'), answer(firstMaxResults, 40, 't2'), answer(9999, 1)];
    ecr.on(DescribeRepositoriesCommand).resolvesOnce(answers[0]).resolvesOnce(answers[1]).resolves(answers[2]);
    const listed = await listCachedRepositories.run(input(), context);
    const inputs = ecr.commandCalls(DescribeRepositoriesCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.nextToken)).toEqual([undefined, 't1', 't2']);
    // Each call asks for what the page still holds after the cached names found so far.
    const cachedOf = (a: (typeof answers)[number]) => a.repositories.map((r) => r.repositoryName).filter((n) => n.startsWith('quay/'));
    const afterFirst = afterCall(EMPTY_PAGE, cachedOf(answers[0]));
    expect(inputs[1].maxResults).toBe(nextMaxResults(afterFirst));
    expect(inputs[2].maxResults).toBe(nextMaxResults(afterCall(afterFirst, cachedOf(answers[1]))));
    expect(inputs[2].maxResults).toBeLessThan(inputs[1].maxResults!);
    expect(listed.scanned).toBe(firstMaxResults + 40 + 1);
    expect(listed.batches.flat()).toEqual(answers.flatMap(cachedOf));
    expect(listed.nextToken).toBeNull();
  });

  it('ends the page when the next call might not fit, and hands on the token', async () => {
    ecr.on(DescribeRepositoriesCommand).callsFake(({ maxResults, nextToken }) => ({
      repositories: repositories(Array.from({ length: maxResults }, (_, i) => `quay/${nextToken ?? 't0'}-${i}`.padEnd(MAX_REPOSITORY_NAME_LENGTH, 'x'))),
      nextToken: `${nextToken ?? 't0'}+`,
    }));
    const listed = await listCachedRepositories.run(input(), context);
    const calls = ecr.commandCalls(DescribeRepositoriesCommand);
    expect(calls).toHaveLength(1);
    expect(listed.cached).toBe(firstMaxResults);
    expect(listed.nextToken).toBe('t0+');
  });

  it('shares the cached repositories among at least maxConcurrency child executions, none over its limit', async () => {
    const cached = Array.from({ length: 120 }, (_, i) => `quay/repo-${i}`);
    const own = Array.from({ length: 30 }, (_, i) => `team/app-${i}`);
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories([...own, ...cached]) });
    const listed = await listCachedRepositories.run(input({ maxConcurrency: 16 }), context);
    expect(listed.batches).toHaveLength(16);
    expect(listed.batches.flat()).toEqual(cached);
    expect(Math.max(...listed.batches.map((b) => b.length)) - Math.min(...listed.batches.map((b) => b.length))).toBeLessThanOrEqual(1);

    const one = await listCachedRepositories.run(input({ maxConcurrency: 1 }), context);
    expect(one.batches.length).toBe(Math.ceil(120 / REPOSITORIES_PER_CHILD));
    expect(one.batches.every((b) => b.length <= REPOSITORIES_PER_CHILD)).toBe(true);
    expect(listed.scanned).toBe(150);
    expect(listed.cached).toBe(120);
  });

  it('returns no batch, after a bounded number of calls, for a page without cached repositories', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['team/app']), nextToken: 'more' });
    const page = await listCachedRepositories.run(input(), context);
    expect(page).toEqual({ batches: [], nextToken: 'more', scanned: MAX_CALLS_PER_PAGE, cached: 0 });
    expect(ecr.commandCalls(DescribeRepositoriesCommand)).toHaveLength(MAX_CALLS_PER_PAGE);
  });

  it('treats a page without a repository list as empty', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({});
    const page = await listCachedRepositories.run(input(), context);
    expect(page).toEqual({ batches: [], nextToken: null, scanned: 0, cached: 0 });
  });

  it('takes every repository under a ROOT prefix', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['team/app', 'nginx']) });
    const page = await listCachedRepositories.run(input({ ecrRepositoryPrefixes: ['ROOT'] }), context);
    expect(page.batches).toEqual([['team/app', 'nginx']]);
  });

  it('lets throttling propagate under its own name for the state machine to retry', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(serviceError('ThrottlingException'));
    const error = await rejectionOf(listCachedRepositories.run(input(), context));
    expect(error.name).toBe('ThrottlingException');
  });
});

describe('listing the one repository an event names', () => {
  it('describes only that repository', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['quay/coreos/etcd']) });
    const page = await listCachedRepositories.run(input({ repositoryName: 'quay/coreos/etcd' }), context);
    const calls = ecr.commandCalls(DescribeRepositoriesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ repositoryNames: ['quay/coreos/etcd'] });
    expect(page).toEqual({ batches: [['quay/coreos/etcd']], nextToken: null, scanned: 1, cached: 1 });
  });

  it('leaves it out when it is under no prefix', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['team/app']) });
    const page = await listCachedRepositories.run(input({ repositoryName: 'team/app' }), context);
    expect(page).toEqual({ batches: [], nextToken: null, scanned: 1, cached: 0 });
  });

  it('returns an empty page when the repository was deleted in the meantime', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));
    const page = await listCachedRepositories.run(input({ repositoryName: 'quay/gone' }), context);
    expect(page).toEqual({ batches: [], nextToken: null, scanned: 0, cached: 0 });
  });

  it('lets throttling propagate under its own name', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(serviceError('ThrottlingException'));
    const error = await rejectionOf(listCachedRepositories.run(input({ repositoryName: 'quay/a' }), context));
    expect(error.name).toBe('ThrottlingException');
  });
});
