// Adds one page of per-repository results to the sweep's running report, and publishes what the page added as
// CloudWatch metrics (EMF, written to the function's log).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { lambdaHandler } from './lib/handler';
import { logger, metrics } from './lib/logger';
import { pageMetrics, tallyPage, type RepositoryResult, type Report } from './lib/report';

export const ecrActions: string[] = [];

interface TallyInput {
  report: Report;
  scanned: number;
  cached: number;
  finalAttempt: boolean;
  /** The Distributed Map's output: one array of results per child execution. */
  results: RepositoryResult[][];
}

export const handler = lambdaHandler(async ({ report, results, ...page }: TallyInput): Promise<Report> => {
  const next = tallyPage(report, { ...page, results: results.flat() });
  logger.info('page done', { ...next, finalAttempt: page.finalAttempt });
  for (const [name, value] of Object.entries(pageMetrics(report, next))) metrics.addMetric(name, MetricUnit.Count, value);
  return next;
}).use(logMetrics(metrics));
