// The endpoint's live state: the registry file's contents, changed by the mutating calls, and given back in the
// same file format. Timestamps stay the strings the file gave, so a registry written back out is unchanged
// wherever no call changed it.
import type { ChildExecutionFault, PullThroughCacheRuleEntry, Registry, RegistryImage, RegistryRepository } from './registry-file';

export interface StoredImage {
  imageDigest: string;
  imageTags?: string[];
  imageSizeInBytes?: number;
  imagePushedAt: string;
  lastRecordedPullTime?: string;
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
}

export class RegistryStore {
  readonly rules: PullThroughCacheRuleEntry[];
  readonly repositories = new Map<string, StoredRepository>();
  readonly throttle?: Registry['throttle'];
  readonly latencyMs?: number;
  /** Epoch ms; repositories and rules from the file are reported as created when the endpoint started. */
  readonly createdAt: number;

  constructor(registry: Registry, now: number = Date.now()) {
    this.createdAt = now;
    this.rules = registry.pullThroughCacheRules.map((r) => ({ ...r }));
    this.throttle = registry.throttle;
    this.latencyMs = registry.latencyMs;
    for (const repo of registry.repositories) {
      this.repositories.set(repo.repositoryName, {
        repositoryName: repo.repositoryName,
        lifecyclePolicyText: repo.lifecyclePolicyText,
        policyStoredAt: repo.lifecyclePolicyText === undefined ? undefined : now,
        images: new Map((repo.images ?? []).map((image) => [image.imageDigest, copyImage(image)])),
        listsImages: repo.images !== undefined,
        faults: { ...(repo.faults ?? {}) },
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
      })),
    };
    if (this.throttle) registry.throttle = { ...this.throttle };
    if (this.latencyMs !== undefined) registry.latencyMs = this.latencyMs;
    return registry;
  }
}

function copyImage(image: RegistryImage | StoredImage): StoredImage {
  return {
    imageDigest: image.imageDigest,
    ...(image.imageTags === undefined ? {} : { imageTags: [...image.imageTags] }),
    ...(image.imageSizeInBytes === undefined ? {} : { imageSizeInBytes: image.imageSizeInBytes }),
    imagePushedAt: image.imagePushedAt,
    ...(image.lastRecordedPullTime === undefined ? {} : { lastRecordedPullTime: image.lastRecordedPullTime }),
  };
}
