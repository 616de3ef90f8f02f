// ECR's lifecycle policy evaluation, played over one repository's images: which images a policy expires or moves to
// archive, and by which rule. It follows the rules the ECR User Guide documents ("Lifecycle policy evaluation rules",
// docs/multi-platform-images.md); where ECR's behaviour is not documented, the evaluation makes one stated choice
// and reports the images it concerns in `notes`, so that no caller guesses silently.
import type { LifecyclePolicy, LifecyclePolicyRule } from './lifecycle-policy';
import { pullCutoff } from './unpulled-images';

/** An image as DescribeImages describes it, plus what only the manifest itself says: an index's manifests. */
export interface LifecycleImage {
  imageDigest: string;
  imageTags?: string[];
  imagePushedAt: Date;
  lastRecordedPullTime?: Date;
  imageSizeInBytes?: number;
  imageManifestMediaType?: string;
  artifactMediaType?: string;
  /** For a referrer (a signature, an attestation): the digest of the image it refers to. */
  subjectManifestDigest?: string;
  imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
  lastArchivedAt?: Date;
  lastActivatedAt?: Date;
  /**
   * For an image index (manifest list): the digests of the manifests it lists. DescribeImages does not return
   * them; leave it out when unknown, and the evaluation says which images that leaves uncertain.
   */
  manifestDigests?: string[];
}

export type StorageClass = 'STANDARD' | 'ARCHIVE';

export type LifecycleAction = { type: 'EXPIRE' } | { type: 'TRANSITION'; targetStorageClass: 'ARCHIVE' };

export interface LifecycleResult<T extends LifecycleImage> {
  image: T;
  action: LifecycleAction;
  /** The rule that expires or archives the image; absent for a referrer that goes with its subject. */
  appliedRulePriority?: number;
  /** The image's storage class before the action. */
  storageClass: StorageClass;
}

/** A case ECR's documentation leaves open, and the images it concerns. */
export type EvaluationNoteCode =
  | 'INDEX_PARTS_COUNTED'
  | 'INDEX_MANIFESTS_UNKNOWN'
  | 'MANIFEST_OF_EXPIRING_INDEX'
  | 'PUSH_TIME_TIE'
  | 'ACTIVATING_IMAGE';

export interface EvaluationNote {
  code: EvaluationNoteCode;
  imageDigests: string[];
}

export interface LifecycleEvaluation<T extends LifecycleImage> {
  /** In the order the images were given. */
  results: LifecycleResult<T>[];
  notes: EvaluationNote[];
}

/** What each note code means and what the evaluation chose, for plans and summaries to print. */
export const EVALUATION_NOTE_TEXT: Record<EvaluationNoteCode, string> = {
  INDEX_PARTS_COUNTED:
    'a count rule past its count counted an image index, the manifests it lists or a referrer (signature, attestation) ' +
    'as separate images; ECR does not document this (users report it: aws/containers-roadmap #2613)',
  INDEX_MANIFESTS_UNKNOWN:
    'images counted as expiring beside an image index whose manifests are unknown (DescribeImages does not list them); ' +
    'ECR keeps every manifest an index still lists, so these may stay',
  MANIFEST_OF_EXPIRING_INDEX:
    'a manifest whose every index expires in the same evaluation was kept; ECR documents only that the index goes ' +
    'first, not whether its manifests go in the same evaluation or a later one',
  PUSH_TIME_TIE:
    'images pushed at the same instant fall on both sides of a count; ECR does not document their order ' +
    '(the evaluation orders them by digest)',
  ACTIVATING_IMAGE: 'an image being restored from archive was left to no rule; ECR does not document how rules see it',
};

const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

export function isImageIndex(image: Pick<LifecycleImage, 'imageManifestMediaType'>): boolean {
  return INDEX_MEDIA_TYPES.has(image.imageManifestMediaType ?? '');
}

export function storageClassOf(image: Pick<LifecycleImage, 'imageStatus'>): StorageClass {
  return image.imageStatus === 'ARCHIVED' ? 'ARCHIVE' : 'STANDARD';
}

/** ECR plays a `tagPatternList` entry against a tag with `*` matching any run of characters, the empty one too. */
export function tagMatchesPattern(tag: string, pattern: string): boolean {
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(tag);
}

/** A rule's tagging and storage class requirements; an image that meets a rule's is no lower rule's to expire. */
function meetsSelection(rule: LifecyclePolicyRule, image: LifecycleImage): boolean {
  if (image.imageStatus === 'ACTIVATING') return false;
  const ruleClass: StorageClass = rule.selection.storageClass === 'archive' ? 'ARCHIVE' : 'STANDARD';
  if (storageClassOf(image) !== ruleClass) return false;
  const tags = image.imageTags ?? [];
  const { tagStatus, tagPatternList, tagPrefixList } = rule.selection;
  if (tagStatus === 'any') return true;
  if (tagStatus === 'untagged') return tags.length === 0;
  // Every entry of the list must match one of the image's tags.
  if (tagPatternList) return tagPatternList.every((pattern) => tags.some((tag) => tagMatchesPattern(tag, pattern)));
  return (tagPrefixList ?? []).every((prefix) => tags.some((tag) => tag.startsWith(prefix)));
}

/**
 * The instant a count rule orders images by: youngest first. ECR documents push time, last restore from archive
 * instead of push time, and transition time in the archive storage class.
 */
function orderingTime(image: LifecycleImage): number {
  const time = storageClassOf(image) === 'ARCHIVE' ? image.lastArchivedAt : image.lastActivatedAt;
  return (time ?? image.imagePushedAt).getTime();
}

function youngestFirst(a: LifecycleImage, b: LifecycleImage): number {
  return orderingTime(b) - orderingTime(a) || (a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0);
}

/** The images a rule marks among those it selects, each rule on its own, as ECR evaluates all rules at once. */
function marks(rule: LifecyclePolicyRule, selected: LifecycleImage[], now: Date, ties: Set<string>): Set<string> {
  const { countType, countNumber } = rule.selection;
  if (countType === 'imageCountMoreThan') {
    const ordered = [...selected].sort(youngestFirst);
    const kept = ordered[countNumber - 1];
    const first = ordered[countNumber];
    if (kept && first && orderingTime(kept) === orderingTime(first)) {
      for (const image of ordered) if (orderingTime(image) === orderingTime(first)) ties.add(image.imageDigest);
    }
    return new Set(ordered.slice(countNumber).map((image) => image.imageDigest));
  }
  const cutoff = pullCutoff(now, countNumber).getTime();
  const since = (image: LifecycleImage): Date | undefined => {
    if (countType === 'sinceImagePushed') return image.imagePushedAt;
    if (countType === 'sinceImageTransitioned') return image.lastArchivedAt;
    return lastPulled(image);
  };
  return new Set(
    selected.filter((image) => (since(image)?.getTime() ?? Infinity) < cutoff).map((image) => image.imageDigest),
  );
}

/** sinceImagePulled's clock: the last pull, or the last restore from archive when no pull followed it, or the push. */
function lastPulled(image: LifecycleImage): Date {
  const { lastRecordedPullTime: pulled, lastActivatedAt: restored } = image;
  if (restored && (!pulled || pulled < restored)) return restored;
  return pulled ?? image.imagePushedAt;
}

function actionOf(rule: LifecyclePolicyRule): LifecycleAction {
  return rule.action.type === 'transition' ? { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' } : { type: 'EXPIRE' };
}

/** ECR's next evaluation of `policy` (a valid one: validateLifecyclePolicy) over one repository's images at `now`. */
export function evaluateLifecyclePolicy<T extends LifecycleImage>(
  policy: LifecyclePolicy,
  images: readonly T[],
  now: Date,
): LifecycleEvaluation<T> {
  const ties = new Set<string>();
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const selections = rules.map((rule) => images.filter((image) => meetsSelection(rule, image)));
  const ruleMarks = rules.map((rule, i) => marks(rule, selections[i], now, ties));

  // Applied by priority: the first rule whose requirements an image meets decides it, whether it marked it or not.
  const decided = new Map<string, { rule: LifecyclePolicyRule; marked: boolean }>();
  rules.forEach((rule, i) => {
    for (const image of selections[i]) {
      if (!decided.has(image.imageDigest)) decided.set(image.imageDigest, { rule, marked: ruleMarks[i].has(image.imageDigest) });
    }
  });
  const byRule = new Map<string, LifecycleResult<T>>();
  for (const image of images) {
    const decision = decided.get(image.imageDigest);
    if (decision?.marked) {
      byRule.set(image.imageDigest, {
        image,
        action: actionOf(decision.rule),
        appliedRulePriority: decision.rule.rulePriority,
        storageClass: storageClassOf(image),
      });
    }
  }

  // A manifest an index lists cannot be expired or archived before the index is deleted or archived.
  const listedBy = new Map<string, T[]>();
  for (const index of images) {
    for (const digest of index.manifestDigests ?? []) listedBy.set(digest, [...(listedBy.get(digest) ?? []), index]);
  }
  const ofExpiringIndex: string[] = [];
  for (const [digest, indexes] of listedBy) {
    if (!byRule.has(digest)) continue;
    byRule.delete(digest);
    if (indexes.every((index) => byRule.has(index.imageDigest))) ofExpiringIndex.push(digest);
  }

  // Referrers go with their subject, within 24 hours of its deletion or archival, whatever the rules say of them;
  // a referrer whose subject is already gone goes too.
  const results = new Map(byRule);
  const present = new Set(images.map((image) => image.imageDigest));
  let added = true;
  while (added) {
    added = false;
    for (const image of images) {
      const subject = image.subjectManifestDigest;
      if (subject === undefined || results.has(image.imageDigest)) continue;
      const action = present.has(subject) ? results.get(subject)?.action : { type: 'EXPIRE' as const };
      if (action) {
        results.set(image.imageDigest, { image, action, storageClass: storageClassOf(image) });
        added = true;
      }
    }
  }

  // Counting index parts as images changes an outcome only where a count rule has more images than its count.
  const isIndexPart = (image: LifecycleImage) =>
    isImageIndex(image) || listedBy.has(image.imageDigest) || image.subjectManifestDigest !== undefined;
  const counted = rules.flatMap(({ selection }, i) =>
    selection.countType === 'imageCountMoreThan' && selections[i].length > selection.countNumber ? selections[i].filter(isIndexPart) : [],
  );
  // An index whose manifests are unknown may list any image this evaluation expires, and keep it.
  const unknownIndex = images.some((image) => isImageIndex(image) && image.manifestDigests === undefined);
  const uncertain = unknownIndex ? [...results.values()].filter(({ image }) => !isImageIndex(image)) : [];
  const notes: EvaluationNote[] = [];
  const note = (code: EvaluationNoteCode, digests: Iterable<string>) => {
    const imageDigests = [...new Set(digests)];
    if (imageDigests.length > 0) notes.push({ code, imageDigests });
  };
  note('INDEX_PARTS_COUNTED', counted.map((image) => image.imageDigest));
  note('INDEX_MANIFESTS_UNKNOWN', uncertain.map(({ image }) => image.imageDigest));
  note('MANIFEST_OF_EXPIRING_INDEX', ofExpiringIndex);
  note('PUSH_TIME_TIE', ties);
  note(
    'ACTIVATING_IMAGE',
    images.filter((image) => image.imageStatus === 'ACTIVATING').map((image) => image.imageDigest),
  );

  return {
    results: images.flatMap((image) => results.get(image.imageDigest) ?? []),
    notes,
  };
}
