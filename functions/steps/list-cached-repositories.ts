// One page of repositories (or the one named repository), narrowed to those under a pull-through cache prefix and
// shared among the child executions of the page's Map Run. A page takes as many DescribeRepositories calls as its
// state bytes allow (functions/lib/repository-page.ts), so that a registry of few cached repositories among many
// still gives each Map Run enough batches for its maxConcurrency.
import { DescribeRepositoriesCommand, RepositoryNotFoundException, type ECRClient, type Repository } from '@aws-sdk/client-ecr';
import type { Logger } from '@aws-lambda-powertools/logger';
import { isCachedRepository } from '../lib/cached-repositories';
import { afterCall, childBatches, EMPTY_PAGE, nextMaxResults } from '../lib/repository-page';
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
  /** The Map Run's MaxConcurrency: the page has at least this many batches when it can. */
  maxConcurrency: number;
  /** The repositories a child runs at once: no batch is larger than a child finishes in its time. */
  repositoriesAtOnce: number;
  nextToken: string | null;
}

interface Listed {
  scanned: number;
  cached: string[];
  nextToken?: string;
}

export const listCachedRepositories: Step<ListInput, RepositoryPage> = {
  name: 'listCachedRepositories',
  permissions: [{ actions: ['ecr:DescribeRepositories'], on: 'allRepositories' }],
  async run(input, { ecr, logger }) {
    const { scanned, cached, nextToken } =
      input.repositoryName === null ? await listPage(input, ecr) : await describeOne(input, input.repositoryName, ecr, logger);
    logger.info('listed repositories', { scanned, cached: cached.length, more: nextToken !== undefined });
    return {
      batches: childBatches(cached, input.maxConcurrency, input.repositoriesAtOnce),
      nextToken: nextToken ?? null,
      scanned,
      cached: cached.length,
    };
  },
};

/** DescribeRepositories calls from the token given, while the page has room for the worst case of the next. */
async function listPage(input: ListInput, ecr: ECRClient): Promise<Listed> {
  const listed: Listed = { scanned: 0, cached: [], nextToken: input.nextToken ?? undefined };
  let fill = EMPTY_PAGE;
  for (let maxResults = nextMaxResults(fill); maxResults > 0; maxResults = nextMaxResults(fill)) {
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults, nextToken: listed.nextToken }));
    const names = repositoryNames(page.repositories);
    const cached = names.filter((name) => isCachedRepository(name, input.ecrRepositoryPrefixes));
    listed.scanned += names.length;
    listed.cached.push(...cached);
    listed.nextToken = page.nextToken;
    fill = afterCall(fill, cached);
    if (listed.nextToken === undefined) break;
  }
  return listed;
}

async function describeOne(input: ListInput, repositoryName: string, ecr: ECRClient, logger: Logger): Promise<Listed> {
  try {
    const page = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
    const names = repositoryNames(page.repositories);
    return { scanned: names.length, cached: names.filter((name) => isCachedRepository(name, input.ecrRepositoryPrefixes)) };
  } catch (error) {
    if (!(error instanceof RepositoryNotFoundException)) throw error;
    logger.info('repository no longer exists', { repositoryName, decision: 'skip' });
    return { scanned: 0, cached: [] };
  }
}

function repositoryNames(repositories: Repository[] = []): string[] {
  return repositories.flatMap((r) => (r.repositoryName === undefined ? [] : [r.repositoryName]));
}
