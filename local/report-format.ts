// How a sweep's outcome reads on a terminal: a short table of counts, then the repositories that failed.
import type { Report } from '../functions/lib/report';

export interface SweepSummary {
  dryRun: boolean;
  referenceTime: string;
  status: 'SUCCEEDED' | 'FAILED';
  report: Report;
  error?: string;
  cause?: string;
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
