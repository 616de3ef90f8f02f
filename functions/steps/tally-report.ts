// Adds one page of per-repository results to the sweep's running report, publishes what the page changed as
// CloudWatch metrics (EMF, written to the function's log; a dry run changes nothing and publishes none), and logs the outcome line of each repository that
// failed: those end in the definition, without a step of their own to log them.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { emptyReport, pageMetrics, pageOutcomes, tallyPage, type PageMetrics, type PageResults, type Report } from '../lib/report';
import { REPOSITORY_OUTCOME } from '../lib/repository-outcome';
import type { Step } from '../lib/step';

interface TallyInput extends PageResults {
  /** Null before the first page. */
  report: Report | null;
  dryRun: boolean;
  referenceTime: string;
}

const UNITS: Record<keyof PageMetrics, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  PoliciesApplied: MetricUnit.Count,
  ImagesExpired: MetricUnit.Count,
  BytesExpired: MetricUnit.Bytes,
  PolicyImagesExpired: MetricUnit.Count,
  PolicyBytesExpired: MetricUnit.Bytes,
  PolicyImagesInUse: MetricUnit.Count,
  RepositoriesFailed: MetricUnit.Count,
};

export const tallyReport: Step<TallyInput, Report> = {
  name: 'tallyReport',
  permissions: [],
  async run({ report, dryRun, referenceTime, ...page }, { logger, metrics }) {
    for (const result of pageOutcomes(page)) {
      if ('error' in result) {
        logger.info(REPOSITORY_OUTCOME, {
          repositoryName: result.repositoryName, action: 'failed', dryRun, referenceTime, imagesExpired: [], imagesExpiredCount: 0, bytesExpired: 0,
          error: result.error, finalAttempt: page.finalAttempt,
        });
      }
    }
    const next = tallyPage(report, page);
    logger.info('page done', { ...next, finalAttempt: page.finalAttempt });
    if (!dryRun) {
      for (const [name, value] of Object.entries(pageMetrics(report ?? emptyReport(), next))) metrics.addMetric(name, UNITS[name as keyof PageMetrics], value);
      metrics.publishStoredMetrics();
    }
    return next;
  },
};
