// Adds one page of per-repository results to the sweep's running report, and publishes what the page added as
// CloudWatch metrics (EMF, written to the function's log).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { pageMetrics, tallyPage, type PageResults, type Report } from '../lib/report';
import type { Step } from '../lib/step';

export const tallyReport: Step<{ report: Report } & PageResults, Report> = {
  name: 'tallyReport',
  permissions: [],
  async run({ report, ...page }, { logger, metrics }) {
    const next = tallyPage(report, page);
    logger.info('page done', { ...next, finalAttempt: page.finalAttempt });
    for (const [name, value] of Object.entries(pageMetrics(report, next))) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.publishStoredMetrics();
    return next;
  },
};
