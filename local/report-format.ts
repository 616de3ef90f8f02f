// How a sweep's outcome reads on a terminal: a short table of counts, then the repositories that failed.
import { emptyReport, type Report } from '../functions/lib/report';
import type { LocalExecution } from './runner';

export interface SweepSummary {
  dryRun: boolean;
  referenceTime: string;
  status: 'SUCCEEDED' | 'FAILED';
  report: Report;
  error?: string;
  cause?: string;
}

/** What one execution comes to; `fallback` stands in for what an execution that failed early never said. */
export function summarize(execution: LocalExecution, fallback: { dryRun: boolean; referenceTime: string }): SweepSummary {
  return {
    dryRun: execution.output?.dryRun ?? fallback.dryRun,
    referenceTime: execution.output?.referenceTime ?? fallback.referenceTime,
    status: execution.status,
    report: execution.report ?? emptyReport(),
    error: execution.error,
    cause: execution.cause,
  };
}

/** The command line's exit status: 0 done, 1 repositories failed, 2 the input was refused before any change. */
export function exitStatus(summary: SweepSummary): 0 | 1 | 2 {
  if (summary.status === 'SUCCEEDED') return 0;
  return summary.error === 'InvalidExecutionInput' || summary.error === 'ConfigurationError' ? 2 : 1;
}

export function formatSummary(s: SweepSummary): string {
  const r = s.report;
  const would = s.dryRun ? ' (dry run: nothing changed)' : '';
  const rows: [string, number][] = [
    ['repositories scanned', r.scanned],
    ['under a pull-through cache prefix', r.cached],
    [s.dryRun ? 'would get the lifecycle policy' : 'lifecycle policy applied', r.applied],
    ['already had the policy', r.owned],
    ['own policy, left alone', r.userOwned],
    ['deleted during the sweep, skipped', r.skipped],
    [s.dryRun ? 'images that would expire' : 'images expired', r.imagesExpired],
    ['repositories failed', r.failed],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`Sweep as of ${s.referenceTime}${would}`, ...rows.map(([label, n]) => `  ${label.padEnd(width)}  ${String(n).padStart(6)}`)];
  if (r.failed > 0) {
    lines.push('', 'Failed repositories:', ...r.failedRepositoryNames.map((name) => `  ${name}`));
    if (r.failed > r.failedRepositoryNames.length) lines.push(`  ... and ${r.failed - r.failedRepositoryNames.length} more`);
  }
  if (s.status === 'FAILED' && r.failed === 0) lines.push('', `Execution failed: ${s.error}: ${s.cause}`);
  return lines.join('\n');
}
