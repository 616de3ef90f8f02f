// One page of repositories (or the one named repository), narrowed to those under a pull-through cache prefix and
// grouped into the batches that the Distributed Map hands to its child executions.
import { DescribeRepositoriesCommand, RepositoryNotFoundException, type ECRClient, type Repository } from '@aws-sdk/client-ecr';
import type { Logger } from '@aws-lambda-powertools/logger';
import { toBatches } from '../lib/batches';
import { isCachedRepository } from '../lib/cached-repositories';
import { REPOSITORIES_PER_CHILD, REPOSITORY_PAGE_SIZE } from '../lib/limits';
import type { Step } from '../lib/step';

export interface RepositoryPage {
  batches: string[][];
  nextToken: string | null;
  scanned: number;
  cached: number;
}

interface ListInput {
  ecrRepositoryPrefixes: string[];
  repositoryName: string | null;
  nextToken: string | null;
}

export const listCachedRepositories: Step<ListInput, RepositoryPage> = {
  name: 'listCachedRepositories',
  permissions: [{ actions: ['ecr:DescribeRepositories'], on: 'allRepositories' }],
  async run(input, { ecr, logger }) {
    const { repositories, nextToken } = await describeRepositories(input, ecr, logger);
    const names = repositories.map((r) => r.repositoryName).filter((name): name is string => name !== undefined);
    const cached = names.filter((name) => isCachedRepository(name, input.ecrRepositoryPrefixes));
    logger.info('listed repositories', { scanned: names.length, cached: cached.length, more: nextToken !== undefined });
    return {
      batches: toBatches(cached, REPOSITORIES_PER_CHILD),
      nextToken: nextToken ?? null,
      scanned: names.length,
      cached: cached.length,
    };
  },
};

async function describeRepositories(input: ListInput, ecr: ECRClient, logger: Logger): Promise<{ repositories: Repository[]; nextToken?: string }> {
  if (input.repositoryName === null) {
    const page = await ecr.send(
      new DescribeRepositoriesCommand({ maxResults: REPOSITORY_PAGE_SIZE, nextToken: input.nextToken ?? undefined }),
    );
    return { repositories: page.repositories ?? [], nextToken: page.nextToken };
  }
  try {
    const page = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [input.repositoryName] }));
    return { repositories: page.repositories ?? [] };
  } catch (error) {
    if (!(error instanceof RepositoryNotFoundException)) throw error;
    logger.info('repository no longer exists', { repositoryName: input.repositoryName, decision: 'skip' });
    return { repositories: [] };
  }
}
