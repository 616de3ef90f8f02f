// The ECR operations the tool uses, over the in-memory registry, with ECR's request checks, outputs and errors.
// Order of checks for a call naming a repository: request members, then the repository's existence, then the
// repository's injected fault, then the call's own semantics. A fault therefore needs the repository to exist.
import { validateLifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { EcrError, invalidParameter, repositoryNotFound, serialization } from './errors';
import { evaluateRepository } from './lifecycle';
import { imageManifest, manifestMediaTypeOf, DEFAULT_MANIFEST_MEDIA_TYPE } from './manifests';
import { Paginator, readMaxResults } from './pagination';
import { PullTimeUpdateExclusions } from './pull-time-update-exclusions';
import { upstreamRegistryOf } from '../../functions/lib/pull-through-cache-rules';
import type { EcrOperation, RepositoryOperation } from './registry-file';
import type { PullThroughCacheRuleOperation } from './pull-through-cache-rule-operations';
import {
  checkRepositoryName,
  imageIdList,
  isObject,
  optionalString,
  repositoryName,
  requiredString,
  stringList,
  type ImageId,
  type Input,
} from './request';
import type { RegistryStore, StoredImage, StoredRepository } from './store';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';

type Output = Record<string, unknown>;

/** AWS JSON 1.1 sends timestamps as epoch seconds. */
const epochSeconds = (ms: number): number => ms / 1000;
const isoToEpochSeconds = (iso: string): number => Date.parse(iso) / 1000;

export class EcrOperations {
  private readonly paginator = new Paginator();
  private readonly exclusions: PullTimeUpdateExclusions;

  constructor(
    private readonly store: RegistryStore,
    private readonly now: () => number = Date.now,
  ) {
    this.exclusions = new PullTimeUpdateExclusions(store, now, this.paginator, ACCOUNT_ID);
  }

  /**
   * Each operation, given the request and the caller's principal (undefined when unknown); the pull-through cache
   * rule changes are pull-through-cache-rule-operations.ts's.
   */
  readonly handlers: Record<Exclude<EcrOperation, PullThroughCacheRuleOperation>, (input: Input, principalArn: string | undefined) => Output> = {
    DescribePullThroughCacheRules: (input) => this.describePullThroughCacheRules(input),
    DescribeRepositories: (input) => this.describeRepositories(input),
    GetLifecyclePolicy: (input) => this.getLifecyclePolicy(input),
    PutLifecyclePolicy: (input) => this.putLifecyclePolicy(input),
    DeleteLifecyclePolicy: (input) => this.deleteLifecyclePolicy(input),
    DescribeImages: (input) => this.describeImages(input),
    BatchDeleteImage: (input) => this.batchDeleteImage(input),
    BatchGetImage: (input, principalArn) => this.batchGetImage(input, principalArn),
    StartLifecyclePolicyPreview: (input) => this.startLifecyclePolicyPreview(input),
    GetLifecyclePolicyPreview: (input) => this.getLifecyclePolicyPreview(input),
    // What `sweep --aws` asks first, to say which account it is about to change.
    DescribeRegistry: () => ({ registryId: ACCOUNT_ID, replicationConfiguration: { rules: [] } }),
    RegisterPullTimeUpdateExclusion: (input) => this.exclusions.handlers.RegisterPullTimeUpdateExclusion(input),
    DeregisterPullTimeUpdateExclusion: (input) => this.exclusions.handlers.DeregisterPullTimeUpdateExclusion(input),
    ListPullTimeUpdateExclusions: (input) => this.exclusions.handlers.ListPullTimeUpdateExclusions(input),
  };

  private describePullThroughCacheRules(input: Input): Output {
    const prefixes = stringList(input, 'ecrRepositoryPrefixes', 100);
    let rules = this.store.rules;
    if (prefixes) {
      const missing = prefixes.find((p) => !rules.some((r) => r.ecrRepositoryPrefix === p));
      if (missing !== undefined) {
        throw new EcrError(
          'PullThroughCacheRuleNotFoundException',
          `The pull through cache rule with prefix '${missing}' does not exist in the registry with id '${ACCOUNT_ID}'`,
        );
      }
      rules = rules.filter((r) => prefixes.includes(r.ecrRepositoryPrefix));
    }
    const scope = `DescribePullThroughCacheRules:${JSON.stringify(prefixes ?? null)}`;
    const page = this.paginator.page(rules, (r) => r.ecrRepositoryPrefix, scope, input);
    return {
      pullThroughCacheRules: page.items.map((rule) => ({
        ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
        upstreamRegistryUrl: rule.upstreamRegistryUrl,
        createdAt: epochSeconds(this.store.createdAt),
        updatedAt: epochSeconds(this.store.createdAt),
        registryId: ACCOUNT_ID,
        upstreamRegistry: upstreamRegistryOf(rule.upstreamRegistryUrl),
        ...(rule.credentialArn ? { credentialArn: rule.credentialArn } : {}),
      })),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  }

  private describeRepositories(input: Input): Output {
    const names = stringList(input, 'repositoryNames', 100);
    if (names) {
      // ECR pages only the whole registry; a list of names is answered in one go.
      if (input.maxResults != null || input.nextToken != null) {
        throw new EcrError(
          'InvalidParameterException',
          'Invalid parameter: maxResults and nextToken cannot be used together with repositoryNames',
        );
      }
      names.forEach((name) => checkRepositoryName(name, 'repositoryNames'));
      const repos = names.map((name) => this.repository(name, 'DescribeRepositories'));
      return { repositories: repos.map((repo) => this.repositoryOutput(repo)) };
    }
    const all = [...this.store.repositories.values()];
    const page = this.paginator.page(all, (r) => r.repositoryName, 'DescribeRepositories', input);
    return {
      repositories: page.items.map((repo) => this.repositoryOutput(repo)),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  }

  private getLifecyclePolicy(input: Input): Output {
    const repo = this.repository(repositoryName(input), 'GetLifecyclePolicy');
    if (repo.lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(repo.repositoryName);
    return this.lifecyclePolicyOutput(repo);
  }

  /** Answers as GetLifecyclePolicy does, with the policy it removed. */
  private deleteLifecyclePolicy(input: Input): Output {
    const repo = this.repository(repositoryName(input), 'DeleteLifecyclePolicy');
    if (repo.lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(repo.repositoryName);
    const output = this.lifecyclePolicyOutput(repo);
    repo.lifecyclePolicyText = undefined;
    repo.policyStoredAt = undefined;
    return output;
  }

  private lifecyclePolicyOutput(repo: StoredRepository): Output {
    return {
      registryId: ACCOUNT_ID,
      repositoryName: repo.repositoryName,
      lifecyclePolicyText: repo.lifecyclePolicyText,
      lastEvaluatedAt: epochSeconds(repo.policyStoredAt ?? this.store.createdAt),
    };
  }

  private putLifecyclePolicy(input: Input): Output {
    const name = repositoryName(input);
    const text = requiredString(input, 'lifecyclePolicyText');
    checkLifecyclePolicyText(text);
    const repo = this.repository(name, 'PutLifecyclePolicy');
    repo.lifecyclePolicyText = withRulesByPriority(text);
    repo.policyStoredAt = this.now();
    return { registryId: ACCOUNT_ID, repositoryName: name, lifecyclePolicyText: text };
  }

  private describeImages(input: Input): Output {
    const name = repositoryName(input);
    const imageIds = imageIdList(input, 100, false);
    const maxResults = readMaxResults(input.maxResults);
    const { tagStatus, imageStatus } = imageFilter(input.filter, true);
    if (imageIds) refusePagingWithImageIds(maxResults, input.nextToken);
    const repo = this.repository(name, 'DescribeImages');
    // Without a filter, ECR describes only ACTIVE images: archived ones only when filter.imageStatus asks for them.
    const matches = (image: StoredImage): boolean =>
      matchesTagStatus(image.imageTags, tagStatus) && (imageStatus === 'ANY' || (image.imageStatus ?? 'ACTIVE') === imageStatus);
    if (imageIds) {
      const found = imageIds.map((id) => {
        const image = findImage(repo, id);
        if (!image) {
          throw new EcrError(
            'ImageNotFoundException',
            `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${ACCOUNT_ID}'`,
          );
        }
        return image;
      });
      const unique = [...new Set(found)].filter(matches);
      return { imageDetails: unique.map((image) => this.imageDetail(repo, image)) };
    }
    const images = [...repo.images.values()].filter(matches);
    const scope = `DescribeImages:${name}:${tagStatus}:${imageStatus}`;
    const page = this.paginator.page(images, (i) => i.imageDigest, scope, input);
    return {
      imageDetails: page.items.map((image) => this.imageDetail(repo, image)),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  }

  private batchDeleteImage(input: Input): Output {
    const name = repositoryName(input);
    const imageIds = imageIdList(input, 100, true) as ImageId[];
    const repo = this.repository(name, 'BatchDeleteImage');
    // The manifests the repository's indexes list as the call starts: ECR deletes none of them while its index stays.
    const listed = new Set([...repo.images.values()].flatMap((image) => image.manifestDigests ?? []));
    const deleted: ImageId[] = [];
    const failures: Output[] = [];
    const fail = (imageId: ImageId, failureCode: string, failureReason: string) =>
      failures.push({ imageId, failureCode, failureReason });
    for (const id of imageIds) {
      const image = imageOrFailure(repo, id);
      if ('failureCode' in image) {
        fail(id, image.failureCode, image.failureReason);
      } else if (id.imageTag !== undefined && (image.imageTags?.length ?? 0) > 1) {
        // Removing one of several tags leaves the image in place.
        image.imageTags = image.imageTags?.filter((t) => t !== id.imageTag);
        deleted.push({ imageDigest: image.imageDigest, imageTag: id.imageTag });
      } else if (listed.has(image.imageDigest)) {
        fail(id, 'ImageReferencedByManifestList', 'Requested image referenced by manifest list');
      } else {
        repo.images.delete(image.imageDigest);
        const tags = image.imageTags ?? [];
        if (tags.length === 0) deleted.push({ imageDigest: image.imageDigest });
        else tags.forEach((imageTag) => deleted.push({ imageDigest: image.imageDigest, imageTag }));
      }
    }
    return { imageIds: deleted, failures };
  }

  /**
   * Each image's manifest, built from its registry fields. Like a pull, it sets lastRecordedPullTime on every image
   * it returns, unless the caller is a principal the registry excludes from pull time updates.
   */
  private batchGetImage(input: Input, principalArn: string | undefined): Output {
    const name = repositoryName(input);
    const imageIds = imageIdList(input, 100, true) as ImageId[];
    const acceptedMediaTypes = stringList(input, 'acceptedMediaTypes', 100);
    const repo = this.repository(name, 'BatchGetImage');
    const records = this.exclusions.recordsPullBy(principalArn);
    const images = new Map<string, Output>();
    const failures: Output[] = [];
    for (const id of imageIds) {
      const image = imageOrFailure(repo, id);
      if ('failureCode' in image) {
        failures.push({ imageId: id, ...image });
      } else if (image.imageStatus === 'ARCHIVED') {
        failures.push({ imageId: id, failureCode: 'ImageInaccessible', failureReason: 'Requested image is archived: restore it to pull it' });
      } else if (acceptedMediaTypes && !acceptedMediaTypes.includes(manifestMediaTypeOf(image))) {
        // ECR documents no answer; a registry answers a manifest it cannot give in an accepted type as not found.
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
      } else {
        const imageId = { imageDigest: image.imageDigest, ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }) };
        images.set(JSON.stringify(imageId), {
          registryId: ACCOUNT_ID,
          repositoryName: name,
          imageId,
          imageManifest: imageManifest(image, (digest) => repo.images.get(digest)),
          imageManifestMediaType: manifestMediaTypeOf(image),
        });
        if (records) image.lastRecordedPullTime = new Date(this.now()).toISOString();
      }
    }
    return { images: [...images.values()], failures };
  }

  private startLifecyclePolicyPreview(input: Input): Output {
    const name = repositoryName(input);
    const text = optionalString(input, 'lifecyclePolicyText');
    if (text !== undefined) checkLifecyclePolicyText(text);
    const repo = this.repository(name, 'StartLifecyclePolicyPreview');
    const policyText = text ?? repo.lifecyclePolicyText;
    if (policyText === undefined) throw lifecyclePolicyNotFound(name);
    if (repo.preview && !repo.preview.read) {
      throw new EcrError(
        'LifecyclePolicyPreviewInProgressException',
        `The previous lifecycle policy preview request has not completed for the repository with name '${name}' in the registry with id '${ACCOUNT_ID}'`,
      );
    }
    const { results } = evaluateRepository(repo, policyText, new Date(this.now()));
    const transitions = (JSON.parse(policyText) as { rules: { action: { type: string } }[] }).rules.some(
      (rule) => rule.action.type === 'transition',
    );
    repo.preview = { lifecyclePolicyText: policyText, results, transitions, read: false };
    return { registryId: ACCOUNT_ID, repositoryName: name, lifecyclePolicyText: policyText, status: 'IN_PROGRESS' };
  }

  private getLifecyclePolicyPreview(input: Input): Output {
    const name = repositoryName(input);
    const imageIds = imageIdList(input, 100, false);
    const maxResults = readMaxResults(input.maxResults);
    if (maxResults !== undefined && maxResults > 100) {
      throw invalidParameter('maxResults', 'Member must have value less than or equal to 100');
    }
    const { tagStatus } = imageFilter(input.filter, false);
    if (imageIds) refusePagingWithImageIds(maxResults, input.nextToken);
    const repo = this.repository(name, 'GetLifecyclePolicyPreview');
    const preview = repo.preview;
    if (!preview) {
      throw new EcrError(
        'LifecyclePolicyPreviewNotFoundException',
        `There is no lifecycle policy preview for the repository with name '${name}' in the registry with id '${ACCOUNT_ID}'`,
      );
    }
    // The evaluation was made at the start: the first read finds it complete.
    preview.read = true;
    const wanted = (digest: string, tags: string[] | undefined) =>
      !imageIds ||
      imageIds.some((id) => (id.imageDigest ?? digest) === digest && (id.imageTag === undefined || (tags ?? []).includes(id.imageTag)));
    const selected = preview.results.filter(
      ({ image }) => matchesTagStatus(image.imageTags, tagStatus) && wanted(image.imageDigest, image.imageTags),
    );
    const page = imageIds
      ? { items: selected, nextToken: undefined }
      : this.paginator.page(selected, (r) => r.image.imageDigest, `GetLifecyclePolicyPreview:${name}:${tagStatus}`, input);
    const count = (type: string) => preview.results.filter((r) => r.action.type === type).length;
    return {
      registryId: ACCOUNT_ID,
      repositoryName: name,
      lifecyclePolicyText: preview.lifecyclePolicyText,
      status: 'COMPLETE',
      previewResults: page.items.map(({ image, action, appliedRulePriority, storageClass }) => ({
        ...(image.imageTags && image.imageTags.length > 0 ? { imageTags: [...image.imageTags] } : {}),
        imageDigest: image.imageDigest,
        imagePushedAt: epochSeconds(image.imagePushedAt.getTime()),
        action,
        ...(appliedRulePriority === undefined ? {} : { appliedRulePriority }),
        storageClass,
      })),
      summary: {
        expiringImageTotalCount: count('EXPIRE'),
        ...(preview.transitions
          ? { transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: count('TRANSITION') }] }
          : {}),
      },
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  }

  /** The repository a call names, or ECR's not-found error; then the fault the registry file injects for it. */
  private repository(name: string, operation: RepositoryOperation): StoredRepository {
    const repo = this.store.repositories.get(name);
    if (!repo) throw repositoryNotFound(name, ACCOUNT_ID);
    const fault = repo.faults[operation];
    if (fault) {
      const { error, afterCalls } = typeof fault === 'string' ? { error: fault, afterCalls: 0 } : fault;
      const made = (repo.faultedCalls[operation] = (repo.faultedCalls[operation] ?? 0) + 1);
      if (made > afterCalls) {
        throw new EcrError(error, `Injected fault: ${operation} on repository '${name}' fails with ${error}${afterCalls > 0 ? ` after ${afterCalls} call(s)` : ''}`);
      }
    }
    return repo;
  }

  private repositoryOutput(repo: StoredRepository): Output {
    return {
      repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT_ID}:repository/${repo.repositoryName}`,
      registryId: ACCOUNT_ID,
      repositoryName: repo.repositoryName,
      repositoryUri: `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/${repo.repositoryName}`,
      createdAt: epochSeconds(this.store.createdAt),
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }

  private imageDetail(repo: StoredRepository, image: StoredImage): Output {
    return {
      registryId: ACCOUNT_ID,
      repositoryName: repo.repositoryName,
      imageDigest: image.imageDigest,
      ...(image.imageTags && image.imageTags.length > 0 ? { imageTags: [...image.imageTags] } : {}),
      // As stored: a registry file that gives no size gets none back, rather than a size nobody chose.
      ...(image.imageSizeInBytes === undefined ? {} : { imageSizeInBytes: image.imageSizeInBytes }),
      imagePushedAt: isoToEpochSeconds(image.imagePushedAt),
      imageManifestMediaType: image.imageManifestMediaType ?? DEFAULT_MANIFEST_MEDIA_TYPE,
      // ECR gives an index no artifact media type; a single image's default is its config's.
      ...(image.artifactMediaType !== undefined
        ? { artifactMediaType: image.artifactMediaType }
        : image.manifestDigests === undefined
          ? { artifactMediaType: DEFAULT_ARTIFACT_MEDIA_TYPE }
          : {}),
      // ECR leaves the field out for an image nobody has pulled.
      ...(image.lastRecordedPullTime ? { lastRecordedPullTime: isoToEpochSeconds(image.lastRecordedPullTime) } : {}),
      ...(image.subjectManifestDigest ? { subjectManifestDigest: image.subjectManifestDigest } : {}),
      imageStatus: image.imageStatus ?? 'ACTIVE',
      ...(image.lastArchivedAt ? { lastArchivedAt: isoToEpochSeconds(image.lastArchivedAt) } : {}),
      ...(image.lastActivatedAt ? { lastActivatedAt: isoToEpochSeconds(image.lastActivatedAt) } : {}),
    };
  }
}

const DEFAULT_ARTIFACT_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';

type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';
type ImageStatusFilter = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY';

/** A `filter` member: tagStatus (default ANY) and, where the operation has it, imageStatus (default ACTIVE). */
function imageFilter(filter: unknown, withImageStatus: boolean): { tagStatus: TagStatus; imageStatus: ImageStatusFilter } {
  if (filter !== undefined && filter !== null && !isObject(filter)) throw serialization('filter must be an object');
  const given = (filter ?? {}) as Input;
  const tagStatus = optionalString(given, 'tagStatus') ?? 'ANY';
  if (tagStatus !== 'TAGGED' && tagStatus !== 'UNTAGGED' && tagStatus !== 'ANY') {
    throw invalidParameter('filter.tagStatus', 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]');
  }
  const imageStatus = (withImageStatus ? optionalString(given, 'imageStatus') : undefined) ?? 'ACTIVE';
  if (!['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'].includes(imageStatus)) {
    throw invalidParameter('filter.imageStatus', 'Member must satisfy enum value set: [ACTIVE, ARCHIVED, ACTIVATING, ANY]');
  }
  return { tagStatus, imageStatus: imageStatus as ImageStatusFilter };
}

function matchesTagStatus(tags: string[] | undefined, tagStatus: TagStatus): boolean {
  return tagStatus === 'ANY' || (tagStatus === 'TAGGED') === (tags ?? []).length > 0;
}

/** ECR answers the images an imageIds list names, in one go: no paging with it. */
function refusePagingWithImageIds(maxResults: number | undefined, nextToken: unknown): void {
  if (maxResults !== undefined || (nextToken !== undefined && nextToken !== null)) {
    throw new EcrError('InvalidParameterException', 'Invalid parameter: maxResults and nextToken cannot be used together with imageIds');
  }
}

function checkLifecyclePolicyText(text: string): void {
  const problems = validateLifecyclePolicyText(text);
  if (problems.length > 0) {
    throw new EcrError(
      'InvalidParameterException',
      `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${problems.join('; ')}'`,
    );
  }
}

function lifecyclePolicyNotFound(repositoryName: string): EcrError {
  return new EcrError(
    'LifecyclePolicyNotFoundException',
    `Lifecycle policy does not exist for the repository with name '${repositoryName}' in the registry with id '${ACCOUNT_ID}'`,
  );
}

/** The image an entry of imageIds names, or the failure ECR answers for it (BatchDeleteImage, BatchGetImage). */
function imageOrFailure(repo: StoredRepository, id: ImageId): StoredImage | { failureCode: string; failureReason: string } {
  const failure = (failureCode: string, failureReason: string) => ({ failureCode, failureReason });
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    return failure('MissingDigestAndTag', 'Invalid request parameters: both tag and digest cannot be null');
  }
  if (id.imageDigest !== undefined && !/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/.test(id.imageDigest)) {
    return failure('InvalidImageDigest', "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
  }
  if (id.imageTag !== undefined && (id.imageTag.length < 1 || id.imageTag.length > 300)) {
    return failure('InvalidImageTag', 'Invalid request parameters: image tag must be 1..300 characters');
  }
  const image = findImage(repo, id);
  if (image) return image;
  const byTag = id.imageTag !== undefined && id.imageDigest !== undefined && findImage(repo, { imageTag: id.imageTag });
  if (byTag) return failure('ImageTagDoesNotMatchDigest', 'Invalid request parameters: given tag does not map to the given digest');
  return failure('ImageNotFound', 'Requested image not found');
}

function findImage(repo: StoredRepository, id: ImageId): StoredImage | undefined {
  const byDigest = id.imageDigest !== undefined ? repo.images.get(id.imageDigest) : undefined;
  if (id.imageTag === undefined) return byDigest;
  const byTag = [...repo.images.values()].find((image) => image.imageTags?.includes(id.imageTag as string));
  if (id.imageDigest === undefined) return byTag;
  return byDigest && byDigest === byTag ? byDigest : undefined;
}

/** ECR stores a policy with its rules ordered by rulePriority (FACTS.md); the text is otherwise kept. */
function withRulesByPriority(text: string): string {
  const policy = JSON.parse(text) as { rules: { rulePriority: number }[] };
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  if (rules.every((rule, i) => rule === policy.rules[i])) return text;
  return JSON.stringify({ ...policy, rules });
}
