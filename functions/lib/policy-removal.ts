// The uninstall's decision: which lifecycle policies `remove-policies` takes off, and what it reports. A policy is
// the tool's when every rule carries the tool's marker (lifecycle-policy.ts), whichever version or settings put it,
// so a repository is judged by its policy alone, wherever it lies; any other policy is a person's and stays as it is.
import { isToolLifecyclePolicy } from './lifecycle-policy';

/** remove: the tool's policy; keep: a person's policy; none: the repository has no lifecycle policy. */
export type PolicyRemoval = 'remove' | 'keep' | 'none';

export function policyRemoval(lifecyclePolicyText: string | undefined): PolicyRemoval {
  if (lifecyclePolicyText === undefined) return 'none';
  return isToolLifecyclePolicy(lifecyclePolicyText) ? 'remove' : 'keep';
}

export interface RemovalReport {
  dryRun: boolean;
  /** Repositories DescribeRepositories listed. */
  repositories: number;
  /** The repositories whose tool policy was removed (in a dry run: would be), in listing order. */
  removed: string[];
  /** Repositories with a person's policy, left as they are. */
  kept: number;
  withoutPolicy: number;
  /** Repositories deleted while the run went on (RepositoryNotFoundException): nothing left to remove. */
  gone: number;
  failed: { repositoryName: string; error: string }[];
}

export function emptyRemovalReport(dryRun: boolean): RemovalReport {
  return { dryRun, repositories: 0, removed: [], kept: 0, withoutPolicy: 0, gone: 0, failed: [] };
}

/** One sentence for stderr: what was (or would be) removed out of how many, and what was left. */
export function removalSummary(report: RemovalReport): string {
  const { dryRun, repositories, removed, kept, withoutPolicy, gone, failed } = report;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const left = [
    plural(kept, "keeps a person's policy", "keep a person's policy"),
    plural(withoutPolicy, 'has none', 'have none'),
    ...(gone > 0 ? [plural(gone, 'was deleted during the run', 'were deleted during the run')] : []),
    ...(failed.length > 0 ? [`${failed.length} failed`] : []),
  ];
  const verb = dryRun ? 'Dry run: would remove' : 'Removed';
  const changed = dryRun ? '; nothing changed' : '';
  return `${verb} the tool's lifecycle policy from ${removed.length} of ${plural(repositories, 'repository', 'repositories')}; ${left.join(', ')}${changed}.`;
}
