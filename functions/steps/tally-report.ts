// Adds one Map Run's per-repository results to the sweep's running report and decides the next Map Run (an extra
// round for throttled repositories, at a lower concurrency, or the next page: functions/lib/rounds.ts), and
// publishes what the Map Run changed as CloudWatch metrics (EMF, written to the function's log; a dry run changes
// nothing and publishes none). When the report is complete, it publishes what each cache holds, one set of metrics
// per prefix: a sweep of one new repository (an event's) publishes none, since its figures are one repository's, not
// a cache's. It also logs the outcome line of each repository that failed: those end in the definition, without a
// step of their own to log them.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CacheContents } from '../lib/cache-contents';
import { concurrencyMetrics } from '../lib/congestion';
import { CACHE_METRICS, emptyReport, pageMetrics, pageOutcomes, reportComplete, type PageMetrics } from '../lib/report';
import { REPOSITORY_OUTCOME, outcomeLines } from '../lib/repository-outcome';
import { tallyMapRun, type MapRunResults, type RunCeiling, type SweepState } from '../lib/rounds';
import type { Step, StepMetrics } from '../lib/step';

interface TallyInput extends MapRunResults<RunCeiling> {
  dryRun: boolean;
  referenceTime: string;
  /** The one repository of an event's sweep; null for a sweep of the registry. */
  repositoryName: string | null;
}

const UNITS: Record<keyof PageMetrics, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  PoliciesApplied: MetricUnit.Count,
  ImagesExpired: MetricUnit.Count,
  BytesExpired: MetricUnit.Bytes,
  PolicyImagesExpired: MetricUnit.Count,
  PolicyBytesExpired: MetricUnit.Bytes,
  PolicyImagesInUse: MetricUnit.Count,
  RepositoriesFailedFirstPass: MetricUnit.Count,
  ThrottledRepositories: MetricUnit.Count,
  ThrottlingRounds: MetricUnit.Count,
};

export const tallyReport: Step<TallyInput, SweepState<RunCeiling>> = {
  name: 'tallyReport',
  permissions: [],
  async run({ dryRun, referenceTime, repositoryName, ...page }, { logger, metrics }) {
    const state = tallyMapRun(page);
    const { report } = page;
    const next = state.report;
    const goingAgain = new Set(state.page.batches.flat());
    for (const result of pageOutcomes(page)) {
      if ('error' in result && !goingAgain.has(result.repositoryName)) {
        const fields = {
          repositoryName: result.repositoryName, action: 'failed' as const, dryRun, referenceTime, imagesExpiredCount: 0, bytesExpired: 0,
          error: result.error, finalAttempt: page.finalAttempt,
        };
        for (const line of outcomeLines(fields, { imagesExpired: [] })) logger.info(REPOSITORY_OUTCOME, line);
      }
    }
    // An extra round still to run leaves the report open, whatever page this was.
    const complete = goingAgain.size === 0 && reportComplete({ finalAttempt: page.finalAttempt, nextToken: page.nextToken }, next);
    // Counts only, so that the line stays under Logs Insights' 200 fields: the failed repositories have outcome lines of
    // their own, and the figures of each cache are in the execution's output.
    const { failedRepositories: _names, cache, ...counts } = next;
    logger.info('page done', { ...counts, cacheTotal: cache.total, finalAttempt: page.finalAttempt, round: page.mapRun.round, nextRound: goingAgain.size, complete });
    if (!dryRun) {
      for (const [name, value] of Object.entries(pageMetrics(report ?? emptyReport(), next, page.finalAttempt))) {
        metrics.addMetric(name, UNITS[name as keyof PageMetrics], value);
      }
      // What the next Map Run runs at: after the last page, the concurrency the sweep settled at.
      for (const [name, value] of Object.entries(concurrencyMetrics(state.mapRun))) metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
      if (complete && repositoryName === null) publishCacheMetrics(next.cache, metrics);
    }
    return state;
  },
};

/** Every figure of every prefix, zeros included, each prefix its own EMF record with the dimension `prefix`. */
function publishCacheMetrics(cache: CacheContents, metrics: StepMetrics): void {
  for (const figures of cache.prefixes) {
    metrics.addDimension('prefix', figures.prefix);
    for (const [field, { name, unit }] of Object.entries(CACHE_METRICS)) {
      metrics.addMetric(name, MetricUnit[unit], figures[field as keyof typeof CACHE_METRICS]);
    }
    metrics.publishStoredMetrics();
  }
}
