// First step of a sweep: the run's settings and the prefixes of every pull-through cache rule (all pages).
import { paginateDescribePullThroughCacheRules } from '@aws-sdk/client-ecr';
import { ROOT_PREFIX, managedPrefixes } from '../lib/cached-repositories';
import { parseExecutionInput } from '../lib/execution-input';
import { REPOSITORIES_AT_ONCE } from '../lib/limits';
import { prefixesWithoutRule } from '../lib/repository-settings';
import type { Step } from '../lib/step';

export interface SweepRun {
  dryRun: boolean;
  referenceTime: string;
  repositoryName: string | null;
  ecrRepositoryPrefixes: string[];
  maxConcurrency: number;
  /** How many repositories a child execution runs at once, before ECR's throttling lowers it. */
  repositoriesAtOnce: number;
  /** Prefixes the settings file gives settings to that no pull-through cache rule has: a warning, not an error. */
  prefixesWithoutRule: string[];
}

export const listPullThroughCachePrefixes: Step<{ input: unknown; executionStartTime: string }, SweepRun> = {
  name: 'listPullThroughCachePrefixes',
  permissions: [{ actions: ['ecr:DescribePullThroughCacheRules'], on: 'any' }],
  async run(event, { settings, ecr, logger }) {
    const input = parseExecutionInput(event.input);
    const prefixes: string[] = [];
    for await (const page of paginateDescribePullThroughCacheRules({ client: ecr }, {})) {
      for (const rule of page.pullThroughCacheRules ?? []) if (rule.ecrRepositoryPrefix) prefixes.push(rule.ecrRepositoryPrefix);
    }
    if (prefixes.includes(ROOT_PREFIX) && !settings.manageRootPrefix && settings.managedPrefixes.length === 0) {
      logger.warn('a ROOT pull-through cache rule caches repositories with no prefix; they are left alone unless manageRootPrefix is true', { ecrRepositoryPrefix: ROOT_PREFIX });
    }
    const withoutRule = prefixesWithoutRule(settings.repositorySettings, prefixes);
    if (withoutRule.length > 0) {
      logger.warn('the settings file sets prefixes no pull-through cache rule has: their settings apply to nothing', { prefixesWithoutRule: withoutRule });
    }
    const run: SweepRun = {
      dryRun: input.dryRun ?? settings.dryRun,
      referenceTime: input.referenceTime ?? event.executionStartTime,
      repositoryName: input.repositoryName ?? null,
      ecrRepositoryPrefixes: managedPrefixes(prefixes, settings),
      maxConcurrency: settings.maxConcurrency,
      repositoriesAtOnce: REPOSITORIES_AT_ONCE,
      prefixesWithoutRule: withoutRule,
    };
    // Without the prefixes no rule has, which have their warning above: with up to 50 rules' prefixes, the line stays
    // under Logs Insights' 200 fields.
    const { prefixesWithoutRule: _warned, ...shown } = run;
    logger.info('sweep starts', shown);
    return run;
  },
};
