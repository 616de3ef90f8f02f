// First step of a sweep: the run's settings and the prefixes of every pull-through cache rule (all pages).
import { paginateDescribePullThroughCacheRules } from '@aws-sdk/client-ecr';
import { ROOT_PREFIX, managedPrefixes } from './lib/cached-repositories';
import { readConfig } from './lib/config';
import { ecrClient } from './lib/ecr-client';
import { parseExecutionInput } from './lib/execution-input';
import { lambdaHandler } from './lib/handler';
import { logger } from './lib/logger';

export const ecrActions = ['ecr:DescribePullThroughCacheRules'];

export interface SweepRun {
  dryRun: boolean;
  referenceTime: string;
  repositoryName: string | null;
  ecrRepositoryPrefixes: string[];
  maxConcurrency: number;
}

export const handler = lambdaHandler(async (event: { input: unknown; executionStartTime: string }): Promise<SweepRun> => {
  const config = readConfig();
  const input = parseExecutionInput(event.input);

  const prefixes: string[] = [];
  for await (const page of paginateDescribePullThroughCacheRules({ client: ecrClient() }, {})) {
    for (const rule of page.pullThroughCacheRules ?? []) if (rule.ecrRepositoryPrefix) prefixes.push(rule.ecrRepositoryPrefix);
  }
  const ecrRepositoryPrefixes = managedPrefixes(prefixes, config);
  if (prefixes.includes(ROOT_PREFIX) && !config.manageRootPrefix && config.managedPrefixes.length === 0) {
    logger.warn('a ROOT pull-through cache rule caches repositories with no prefix; they are left alone unless manageRootPrefix is true', { ecrRepositoryPrefix: ROOT_PREFIX });
  }
  const run: SweepRun = {
    dryRun: input.dryRun ?? config.dryRun,
    referenceTime: input.referenceTime ?? event.executionStartTime,
    repositoryName: input.repositoryName ?? null,
    ecrRepositoryPrefixes,
    maxConcurrency: config.maxConcurrency,
  };
  logger.info('sweep starts', { ...run });
  return run;
});
