import { emptyReport } from '../../functions/lib/report';
import { formatSummary, summarize } from '../../local/report-format';

const execution = (throttling: ReturnType<typeof emptyReport>['throttling']) =>
  summarize({ status: 'SUCCEEDED', report: { ...emptyReport(), cached: 400, applied: 400, throttling }, prefixesWithoutRule: [] }, { dryRun: false, referenceTime: 'now' });

describe("the summary's throttling lines", () => {
  it('say how many repositories ECR throttled, the rounds and the concurrency the sweep settled at', () => {
    const text = formatSummary(
      execution({ throttledRepositories: 37, rounds: 3, maxConcurrency: 2, repositoriesAtOnce: 10, lowestMaxConcurrency: 1, lowestRepositoriesAtOnce: 5, pageRounds: 0, roundsLeft: 12 }),
    );
    expect(text).toContain('ECR throttled 37 repositories beyond their retries: 3 extra rounds at lower concurrency');
    expect(text).toContain('settled at maxConcurrency 2, 10 repositories at once (lowest 1 and 5)');
  });

  it('are left out when ECR throttled nothing', () => {
    const text = formatSummary(
      execution({ throttledRepositories: 0, rounds: 0, maxConcurrency: 4, repositoriesAtOnce: 10, lowestMaxConcurrency: 4, lowestRepositoriesAtOnce: 10, pageRounds: 0, roundsLeft: 10 }),
    );
    expect(text).not.toMatch(/throttled/);
    expect(formatSummary(execution(null))).not.toMatch(/throttled/);
  });
});
