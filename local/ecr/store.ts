// The endpoint's live state: the registry file's contents, changed by the mutating calls, and given back in the
// same file format. Timestamps stay the strings the file gave, so a registry written back out is unchanged
// wherever no call changed it.
import type { LifecycleImage, LifecycleResult } from '../../functions/lib/lifecycle-evaluation';
import type { ChildExecutionFault, PullThroughCacheRuleEntry, Registry, RegistryImage, RegistryRepository } from './registry-file';

/** An image as the file gives it: ECR's fields, timestamps as ISO strings. */
export type StoredImage = RegistryImage;

/** A lifecycle policy preview: the policy it played and what it found, as of its start. */
export interface StoredPreview {
  lifecyclePolicyText: string;
  results: LifecycleResult<LifecycleImage>[];
  /** Whether the policy has a transition rule, so the summary counts transitions. */
  transitions: boolean;
  /** A preview is in progress until GetLifecyclePolicyPreview first reads it. */
  read: boolean;
}

export interface StoredRepository {
  repositoryName: string;
  lifecyclePolicyText?: string;
  /** Epoch ms the policy was stored (file load or PutLifecyclePolicy): GetLifecyclePolicy's lastEvaluatedAt. */
  policyStoredAt?: number;
  /** Insertion-ordered, so images written back out keep the file's order. */
  images: Map<string, StoredImage>;
  /** Whether the file had an `images` list, so a repository written back out keeps its shape. */
  listsImages: boolean;
  faults: NonNullable<RegistryRepository['faults']>;
  /** The calls of each faulted operation answered so far for this repository, for `afterCalls`. */
  faultedCalls: Partial<Record<string, number>>;
  /** Milliseconds every answer about the repository is held back, beside the registry's latencyMs. */
  latencyMs?: number;
  preview?: StoredPreview;
}

export class RegistryStore {
  readonly rules: PullThroughCacheRuleEntry[];
  readonly repositories = new Map<string, StoredRepository>();
  readonly throttle?: Registry['throttle'];
  readonly latencyMs?: number;
  /** The principals whose pulls do not update lastRecordedPullTime, in the order they were excluded. */
  readonly pullTimeUpdateExclusions: Set<string>;
  /** Whether the file had the list, so a registry written back out keeps its shape. */
  private readonly listsExclusions: boolean;
  /**
   * The deployed stack's own exclusions (its AWS::ECR::PullTimeUpdateExclusion resources), which a local run plays
   * whatever the file lists: excluded and listed like the others, never written back to the file.
   */
  readonly stackExclusions = new Set<string>();
  /** Epoch ms; repositories and rules from the file are reported as created when the endpoint started. */
  readonly createdAt: number;

  constructor(registry: Registry, now: number = Date.now()) {
    this.createdAt = now;
    this.rules = registry.pullThroughCacheRules.map((r) => ({ ...r }));
    this.throttle = registry.throttle;
    this.latencyMs = registry.latencyMs;
    this.pullTimeUpdateExclusions = new Set(registry.pullTimeUpdateExclusions ?? []);
    this.listsExclusions = registry.pullTimeUpdateExclusions !== undefined;
    for (const repo of registry.repositories) {
      this.repositories.set(repo.repositoryName, {
        repositoryName: repo.repositoryName,
        lifecyclePolicyText: repo.lifecyclePolicyText,
        policyStoredAt: repo.lifecyclePolicyText === undefined ? undefined : now,
        images: new Map((repo.images ?? []).map((image) => [image.imageDigest, copyImage(image)])),
        listsImages: repo.images !== undefined,
        faults: { ...(repo.faults ?? {}) },
        faultedCalls: {},
        latencyMs: repo.latencyMs,
      });
    }
  }

  /** How the child execution holding this repository fails whole, if its faults say so. */
  childExecutionFault(repositoryName: string): ChildExecutionFault | undefined {
    return this.repositories.get(repositoryName)?.faults.ChildExecution;
  }

  /** The current state in the registry file format. */
  toRegistry(): Registry {
    const registry: Registry = {
      pullThroughCacheRules: this.rules.map((r) => ({ ...r })),
      repositories: [...this.repositories.values()].map((repo) => ({
        repositoryName: repo.repositoryName,
        ...(repo.lifecyclePolicyText === undefined ? {} : { lifecyclePolicyText: repo.lifecyclePolicyText }),
        ...(repo.listsImages || repo.images.size > 0 ? { images: [...repo.images.values()].map(copyImage) } : {}),
        ...(Object.keys(repo.faults).length === 0 ? {} : { faults: { ...repo.faults } }),
        ...(repo.latencyMs === undefined ? {} : { latencyMs: repo.latencyMs }),
      })),
    };
    if (this.throttle) registry.throttle = structuredClone(this.throttle);
    if (this.latencyMs !== undefined) registry.latencyMs = this.latencyMs;
    if (this.listsExclusions || this.pullTimeUpdateExclusions.size > 0) {
      registry.pullTimeUpdateExclusions = [...this.pullTimeUpdateExclusions];
    }
    return registry;
  }
}

/** A deep copy with the file's field order; fields left unset stay out. */
function copyImage(image: StoredImage): StoredImage {
  return JSON.parse(JSON.stringify(image)) as StoredImage;
}
