// Which repositories a pull-through cache rule created, judged by name: `<ecrRepositoryPrefix>/<upstream path>`.
import { MAX_REPOSITORY_NAME_LENGTH } from './limits';
import type { RunSettings } from './settings';

/** ECR's model pattern for a repository name (which is also 2..MAX_REPOSITORY_NAME_LENGTH characters long). */
export const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function isRepositoryName(name: string): boolean {
  return name.length >= 2 && name.length <= MAX_REPOSITORY_NAME_LENGTH && REPOSITORY_NAME.test(name);
}

/** The prefix of an ECR-to-ECR rule that caches repositories under their upstream names, with no prefix. */
export const ROOT_PREFIX = 'ROOT';

/** ECR's model pattern for a pull-through cache rule's ecrRepositoryPrefix (ROOT aside). */
export const ECR_REPOSITORY_PREFIX = /^[a-z0-9._/-]{2,30}$/;

/** `quay/coreos/etcd` is under `quay`; `quayside/app` and `quay` itself are not. */
export function isUnderPrefix(repositoryName: string, ecrRepositoryPrefix: string): boolean {
  return repositoryName.startsWith(`${ecrRepositoryPrefix}/`) && repositoryName.length > ecrRepositoryPrefix.length + 1;
}

/**
 * A ROOT prefix matches every repository, which makes it indistinguishable from a team's own; it counts only when
 * the stage opts in (manageRootPrefix), and the caller leaves it out of `ecrRepositoryPrefixes` otherwise.
 */
export function isCachedRepository(repositoryName: string, ecrRepositoryPrefixes: readonly string[]): boolean {
  return ecrRepositoryPrefixes.some((prefix) => prefix === ROOT_PREFIX || isUnderPrefix(repositoryName, prefix));
}

/**
 * The cache a repository belongs to among the run's prefixes: the longest one it lies under (`team/cache/app` is
 * team/cache's, not team's), else ROOT when the run manages it. Undefined: not a cached repository of this run.
 */
export function cachePrefixOf(repositoryName: string, ecrRepositoryPrefixes: readonly string[]): string | undefined {
  const under = ecrRepositoryPrefixes.filter((prefix) => prefix !== ROOT_PREFIX && isUnderPrefix(repositoryName, prefix));
  if (under.length > 0) return under.reduce((a, b) => (b.length > a.length ? b : a));
  return ecrRepositoryPrefixes.includes(ROOT_PREFIX) ? ROOT_PREFIX : undefined;
}

/**
 * The registry's prefixes this run manages: ROOT only when the stage opts in; and when the stack manages only its
 * own rules (managedPrefixes), only those of its prefixes the registry has.
 */
export function managedPrefixes(registryPrefixes: string[], settings: Pick<RunSettings, 'manageRootPrefix' | 'managedPrefixes'>): string[] {
  const allowed = registryPrefixes.filter((prefix) => prefix !== ROOT_PREFIX || settings.manageRootPrefix);
  return settings.managedPrefixes.length === 0 ? allowed : allowed.filter((prefix) => settings.managedPrefixes.includes(prefix));
}

