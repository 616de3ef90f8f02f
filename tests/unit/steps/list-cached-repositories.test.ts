import { mockClient } from 'aws-sdk-client-mock';
import { DescribeRepositoriesCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { listCachedRepositories } from '../../../functions/steps/list-cached-repositories';
import { context, rejectionOf, serviceError } from './helpers';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

const repositories = (names: string[]) => names.map((repositoryName) => ({ repositoryName }));
const PREFIXES = ['docker-hub', 'quay'];

describe('listing one page of cached repositories', () => {
  it('asks for 250 repositories from the start and returns the cached ones in one batch', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: repositories(['docker-hub/library/nginx', 'team/app', 'quayside/app', 'quay/coreos/etcd', 'quay']),
      nextToken: 'page-2',
    });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: null, nextToken: null }, context);
    expect(page).toEqual({ batches: [['docker-hub/library/nginx', 'quay/coreos/etcd']], nextToken: 'page-2', scanned: 5, cached: 2 });
    const calls = ecr.commandCalls(DescribeRepositoriesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ maxResults: 250 });
    expect(calls[0].args[0].input.nextToken).toBeUndefined();
  });

  it('continues from the token it is given and ends the loop on the last page', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['quay/a']) });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: null, nextToken: 'page-2' }, context);
    expect(ecr.commandCalls(DescribeRepositoriesCommand)[0].args[0].input).toEqual({ maxResults: 250, nextToken: 'page-2' });
    expect(page).toEqual({ batches: [['quay/a']], nextToken: null, scanned: 1, cached: 1 });
  });

  it('groups cached repositories in batches of 50 per child execution', async () => {
    const cached = Array.from({ length: 120 }, (_, i) => `quay/repo-${i}`);
    const own = Array.from({ length: 30 }, (_, i) => `team/app-${i}`);
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories([...own, ...cached]), nextToken: 'more' });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: null, nextToken: null }, context);
    expect(page.batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(page.batches[0][0]).toBe('quay/repo-0');
    expect(page.batches[2][19]).toBe('quay/repo-119');
    expect(page.scanned).toBe(150);
    expect(page.cached).toBe(120);
  });

  it('returns no batch for a page without cached repositories', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['team/app']), nextToken: 'more' });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: null, nextToken: null }, context);
    expect(page).toEqual({ batches: [], nextToken: 'more', scanned: 1, cached: 0 });
  });

  it('treats a page without a repository list as empty', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({});
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: null, nextToken: null }, context);
    expect(page).toEqual({ batches: [], nextToken: null, scanned: 0, cached: 0 });
  });

  it('takes every repository under a ROOT prefix', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['team/app', 'nginx']) });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: ['ROOT'], repositoryName: null, nextToken: null }, context);
    expect(page.batches).toEqual([['team/app', 'nginx']]);
  });

  it('lets throttling propagate under its own name for the state machine to retry', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(serviceError('ThrottlingException'));
    const error = await rejectionOf(listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: null, nextToken: null }, context));
    expect(error.name).toBe('ThrottlingException');
  });
});

describe('listing the one repository an event names', () => {
  it('describes only that repository', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['quay/coreos/etcd']) });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: 'quay/coreos/etcd', nextToken: null }, context);
    const calls = ecr.commandCalls(DescribeRepositoriesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ repositoryNames: ['quay/coreos/etcd'] });
    expect(page).toEqual({ batches: [['quay/coreos/etcd']], nextToken: null, scanned: 1, cached: 1 });
  });

  it('leaves it out when it is under no prefix', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: repositories(['team/app']) });
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: 'team/app', nextToken: null }, context);
    expect(page).toEqual({ batches: [], nextToken: null, scanned: 1, cached: 0 });
  });

  it('returns an empty page when the repository was deleted in the meantime', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));
    const page = await listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: 'quay/gone', nextToken: null }, context);
    expect(page).toEqual({ batches: [], nextToken: null, scanned: 0, cached: 0 });
  });

  it('lets throttling propagate under its own name', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(serviceError('ThrottlingException'));
    const error = await rejectionOf(listCachedRepositories.run({ ecrRepositoryPrefixes: PREFIXES, repositoryName: 'quay/a', nextToken: null }, context));
    expect(error.name).toBe('ThrottlingException');
  });
});
