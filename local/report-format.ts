// How a sweep's outcome reads on a terminal: a short table of counts; what the run deletes, what ECR's evaluation of
// the tool's policies then expires within 24 hours and how many of those images are in use, and the storage both
// free; what each cache holds; how ECR's throttling slowed it; then the repositories that failed with their errors.
import type { CacheContents, CacheFigures } from '../functions/lib/cache-contents';
import type { Throttling } from '../functions/lib/congestion';
import { emptyReport, type Report } from '../functions/lib/report';
import { formatBytes, monthlyStorageSaving } from '../functions/lib/storage';
import type { LocalExecution } from './runner';

export interface SweepSummary {
  dryRun: boolean;
  referenceTime: string;
  status: 'SUCCEEDED' | 'FAILED';
  /** The execution's report; what each cache holds is `cache`, beside it. */
  report: Omit<Report, 'cache'>;
  cache: CacheContents;
  /**
   * The images the run deletes (or would), those ECR's evaluation of the tool's policies then expires, both together,
   * and what no longer storing them all saves: an estimate, its assumption stated.
   */
  storage: { expired: string; policyExpires: string; together: string; usdPerMonth: number; saving: string };
  /**
   * Whether the byte figures are stored bytes, the distinct blobs the images reference (every manifest read), or, where
   * manifests could not be read, sums of ECR's imageSizeInBytes: an upper bound.
   */
  bytes: 'stored' | 'upper bound';
  /** What the run warns of and goes on despite. */
  warnings: string[];
  error?: string;
  cause?: string;
}

/** What one execution comes to; `fallback` stands in for what an execution that failed early never said. */
export function summarize(
  execution: LocalExecution,
  fallback: { dryRun: boolean; referenceTime: string },
  warnings: string[] = [],
  { manifestsRead = true }: { manifestsRead?: boolean } = {},
): SweepSummary {
  const { cache, ...report } = execution.report ?? emptyReport();
  return {
    dryRun: execution.output?.dryRun ?? fallback.dryRun,
    referenceTime: execution.output?.referenceTime ?? fallback.referenceTime,
    status: execution.status,
    report,
    cache,
    storage: storageFreed(report),
    bytes: manifestsRead ? 'stored' : 'upper bound',
    warnings: [
      ...warnings,
      ...execution.prefixesWithoutRule.map(
        (prefix) => `the settings file sets ${prefix}, which no pull-through cache rule has: its settings apply to nothing`,
      ),
    ],
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
    ['excluded by the settings file, left alone', r.excluded],
    ['deleted during the sweep, skipped', r.skipped],
    [s.dryRun ? 'images that would expire' : 'images expired', r.imagesExpired],
    ['repositories failed', r.failed],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`Sweep as of ${s.referenceTime}${would}`, ...rows.map(([label, n]) => `  ${label.padEnd(width)}  ${String(n).padStart(6)}`)];
  const inUse =
    r.policyImagesInUse === 0
      ? 'none of them pulled within unpulledDays'
      : `${r.policyImagesInUse} of them pulled within unpulledDays, which a cache then fetches from its upstream again at their ` +
        'next pull (keepInUse=true keeps every tagged image in use)';
  lines.push(
    '',
    `${s.dryRun ? 'The sweep would delete' : 'The sweep deleted'} ${s.storage.expired} that nobody pulled within unpulledDays.`,
    `ECR's lifecycle evaluation of the tool's policies ${s.dryRun ? 'would then expire' : 'then expires'} ${s.storage.policyExpires} within 24 hours; ${inUse}.`,
    `Both together ${s.dryRun ? 'would free' : 'free'} ${s.storage.together}: ${s.storage.saving}.`,
    s.bytes === 'stored'
      ? 'Sizes are stored bytes: the layers no image left in a repository uses (layers images share are counted once).'
      : 'Sizes are sums of ECR\'s imageSizeInBytes, an upper bound: manifests were not read, so layers that images share ' +
        'are counted for each, and an image index counts its largest manifest again.',
  );
  if (r.repositoriesWithPolicyNotes > 0) {
    lines.push(
      `In ${r.repositoriesWithPolicyNotes} ${r.repositoriesWithPolicyNotes === 1 ? 'repository' : 'repositories'} ECR does not document how its ` +
        'evaluation treats some images (image indexes, their manifests and referrers, or equal push times): the figure above ' +
        "takes one reading, and the plan's policyNotes name the images and the reading (docs/multi-platform-images.md).",
    );
  }
  if (s.cache.prefixes.length > 0) lines.push('', ...cacheTable(s.cache, s.dryRun));
  if (r.throttling && r.throttling.throttledRepositories > 0) lines.push('', ...throttlingLines(r.throttling));
  if (r.failed > 0) {
    lines.push('', 'Failed repositories:', ...r.failedRepositories.map(({ repositoryName, error }) => `  ${repositoryName}: ${error}`));
    if (r.failed > r.failedRepositories.length) lines.push(`  ... and ${r.failed - r.failedRepositories.length} more`);
  }
  if (s.status === 'FAILED' && r.failed === 0) lines.push('', `Execution failed: ${s.error}: ${s.cause}`);
  if (s.warnings.length > 0) lines.push('', 'Warnings:', ...s.warnings.map((warning) => `  ${warning}`));
  return lines.join('\n');
}

/** How ECR's throttling slowed the sweep: only said when it did. */
function throttlingLines(t: Throttling): string[] {
  const rounds = `${t.rounds} extra ${t.rounds === 1 ? 'round' : 'rounds'}`;
  return [
    `ECR throttled ${t.throttledRepositories} ${t.throttledRepositories === 1 ? 'repository' : 'repositories'} beyond their retries: ${rounds} at lower concurrency`,
    `  settled at maxConcurrency ${t.maxConcurrency}, ${t.repositoriesAtOnce} repositories at once (lowest ${t.lowestMaxConcurrency} and ${t.lowestRepositoriesAtOnce})`,
  ];
}

/**
 * What each cache holds, one row a prefix and the total: its repositories (managed / left alone / excluded), then
 * images and their size before the sweep, deleted by it, due to ECR's evaluation of the policy, and left after it.
 */
function cacheTable(cache: CacheContents, dryRun: boolean): string[] {
  const header = ['prefix', 'repositories', 'before', dryRun ? 'would delete' : 'deleted', 'policy expires', 'after'];
  const sized = (images: number, bytes: number) => `${images} / ${formatBytes(bytes)}`;
  const row = (prefix: string, f: CacheFigures) => [
    prefix,
    `${f.repositories} (${f.managed} / ${f.leftAlone} / ${f.excluded})`,
    sized(f.imagesBefore, f.bytesBefore),
    sized(f.imagesDeleted, f.bytesDeleted),
    sized(f.policyImagesExpired, f.policyBytesExpired),
    sized(f.imagesAfter, f.bytesAfter),
  ];
  const rows = [header, ...cache.prefixes.map((f) => row(f.prefix, f)), row('total', cache.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`.trimEnd();
  return ['What each cache holds (repositories: managed / left alone / excluded; images / stored bytes):', ...rows.map(line)];
}

function storageFreed(report: Omit<Report, 'cache'>): SweepSummary['storage'] {
  const bytes = report.bytesExpired + report.policyBytesExpired;
  const saving = monthlyStorageSaving(bytes);
  return {
    expired: imagesAndBytes(report.imagesExpired, report.bytesExpired),
    policyExpires: imagesAndBytes(report.policyImagesExpired, report.policyBytesExpired),
    together: imagesAndBytes(report.imagesExpired + report.policyImagesExpired, bytes),
    usdPerMonth: saving.usdPerMonth,
    saving: saving.text,
  };
}

function imagesAndBytes(images: number, bytes: number): string {
  return `${images} ${images === 1 ? 'image' : 'images'} (${formatBytes(bytes)})`;
}
