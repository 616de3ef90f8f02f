// Adds one page of per-repository results to the sweep's running report.
import { lambdaHandler } from './lib/handler';
import { logger } from './lib/logger';
import { tallyPage, type RepositoryResult, type Report } from './lib/report';

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
  return next;
});
