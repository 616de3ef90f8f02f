// What it takes to make a registry's pull-through cache rule for a prefix what the stack's rules file says, with
// the shortest gap ECR allows. ECR changes a rule's credentials in place (UpdatePullThroughCacheRule), but not its
// upstream: that takes DeletePullThroughCacheRule and CreatePullThroughCacheRule, one right after the other, and
// between the two a pull of an image not yet cached fails. A rule that already exists with the same upstream (kept
// when an earlier stack was removed, or made by hand) is adopted as it is. Pure: the custom resource applies it
// (functions/steps/pull-through-cache-rule.ts).
import { upstreamRegistryOf } from './pull-through-cache-rules';

/** A rule as the rules file and ECR describe it, in ECR's field names. */
export interface RuleSettings {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  credentialArn?: string;
}

/**
 * create: no rule has the prefix. keep: it is as wanted (adopted, if the stack did not make it). updateCredentials:
 * only its credentials differ. replace: its upstream differs, or it has credentials the file no longer gives,
 * neither of which ECR changes in place.
 */
export type RuleChange = 'create' | 'keep' | 'updateCredentials' | 'replace';

const sameUpstream = (a: string, b: string) =>
  a.trim().toLowerCase() === b.trim().toLowerCase() && upstreamRegistryOf(a) === upstreamRegistryOf(b);

export function ruleChange(existing: RuleSettings | undefined, wanted: RuleSettings): RuleChange {
  if (!existing) return 'create';
  if (!sameUpstream(existing.upstreamRegistryUrl, wanted.upstreamRegistryUrl)) return 'replace';
  if ((existing.credentialArn ?? '') === (wanted.credentialArn ?? '')) return 'keep';
  return wanted.credentialArn ? 'updateCredentials' : 'replace';
}
