// The registry file: the embedded ECR endpoint's whole state (pull-through cache rules, repositories, images,
// policies) plus the behaviour to inject (faults, throttling, latency), in ECR's own field names (DESIGN.md).
// A bad file is a user's input error, so every problem is reported, each as one line naming where it is.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { validateLifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { upstreamRegistryOf } from '../../functions/lib/pull-through-cache-rules';
import { ECR_REPOSITORY_PREFIX, REPOSITORY_NAME, ROOT_PREFIX } from '../../functions/lib/cached-repositories';
import { MAX_REPOSITORY_NAME_LENGTH } from '../../functions/lib/limits';
import { isImageIndex } from '../../functions/lib/lifecycle-evaluation';
import { MANIFEST_MEDIA_TYPES } from '../../functions/lib/repository-images';
import { errorsOf, OPERATION_ERRORS } from './operation-errors';
import { isPrincipalArn, MAX_PRINCIPAL_ARN_LENGTH } from './principals';
import { PULL_THROUGH_CACHE_RULE_OPERATIONS } from './pull-through-cache-rule-operations';

/**
 * The operations that act on a named repository: a repository's fault may name only these, so that a typo, or an
 * operation that never names a repository, cannot silently do nothing.
 */
export const REPOSITORY_OPERATIONS = [
  'DescribeRepositories',
  'GetLifecyclePolicy',
  'PutLifecyclePolicy',
  'DeleteLifecyclePolicy',
  'DescribeImages',
  'BatchDeleteImage',
  'BatchGetImage',
  'StartLifecyclePolicyPreview',
  'GetLifecyclePolicyPreview',
] as const;
export type RepositoryOperation = (typeof REPOSITORY_OPERATIONS)[number];

/**
 * How a repository's `faults` may fail the child execution of the Distributed Map that holds it, whole: as Step
 * Functions ends an EXPRESS child past its 5 minutes (States.Timeout), or one that breaks (States.Runtime).
 */
export const CHILD_EXECUTION_FAULTS = ['States.Timeout', 'States.Runtime'] as const;
export type ChildExecutionFault = (typeof CHILD_EXECUTION_FAULTS)[number];

/** The operations on the registry's pull time update exclusions (local/ecr/pull-time-update-exclusions.ts). */
export const PULL_TIME_UPDATE_EXCLUSION_OPERATIONS = [
  'RegisterPullTimeUpdateExclusion',
  'DeregisterPullTimeUpdateExclusion',
  'ListPullTimeUpdateExclusions',
] as const;
export type PullTimeUpdateExclusionOperation = (typeof PULL_TIME_UPDATE_EXCLUSION_OPERATIONS)[number];

/** Every operation the endpoint serves. */
export const ECR_OPERATIONS = [
  'DescribePullThroughCacheRules',
  ...PULL_THROUGH_CACHE_RULE_OPERATIONS,
  ...REPOSITORY_OPERATIONS,
  'DescribeRegistry',
  ...PULL_TIME_UPDATE_EXCLUSION_OPERATIONS,
] as const;
export type EcrOperation = (typeof ECR_OPERATIONS)[number];

// ECR's model patterns.
const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

// An error the operation can return in ECR's model, or one any AWS call can: a typo would otherwise inject nothing real.
const errorName = (operation: RepositoryOperation) => {
  const own = OPERATION_ERRORS[operation].join(', ');
  const expected = `not an error ${operation} can return: ${own}, or an error any AWS call can (such as AccessDeniedException, ThrottlingException)`;
  return z.string().refine((name) => errorsOf(operation).includes(name), expected);
};
// An error always, or `{error, afterCalls}`: the operation answers normally afterCalls times for the repository first.
const faultOf = (operation: RepositoryOperation) =>
  z.union([errorName(operation), z.strictObject({ error: errorName(operation), afterCalls: z.number().int().min(0) })]);
const faultsSchema = z.strictObject({
  ...(Object.fromEntries(REPOSITORY_OPERATIONS.map((operation) => [operation, faultOf(operation).optional()])) as Record<
    RepositoryOperation,
    z.ZodOptional<ReturnType<typeof faultOf>>
  >),
  ChildExecution: z.enum(CHILD_EXECUTION_FAULTS, { error: `expected one of ${CHILD_EXECUTION_FAULTS.join(', ')}` }).optional(),
});

const timestamp = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 timestamp with a time zone' });

// ECR's Long, the compressed size it bills; zod's int() also keeps it within safe integers, so the number read
// is exactly the number written back and sent.
const SIZE_EXPECTED = 'expected a whole number of bytes, 0 to 2^53 - 1';
const imageSize = z.number({ error: SIZE_EXPECTED }).int(SIZE_EXPECTED).min(0, SIZE_EXPECTED);

const ruleSchema = z.strictObject({
  ecrRepositoryPrefix: z
    .string()
    .refine((p) => p === ROOT_PREFIX || ECR_REPOSITORY_PREFIX.test(p), 'expected 2..30 characters of [a-z0-9._/-] or ROOT'),
  upstreamRegistryUrl: z
    .string()
    .refine((u) => upstreamRegistryOf(u) !== undefined, 'not an upstream registry ECR pull-through cache supports'),
  credentialArn: z.string().min(1).optional(),
});

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const digest = z.string().regex(IMAGE_DIGEST, 'expected sha256: followed by 64 lowercase hex digits');

const imageSchema = z.strictObject({
  imageDigest: digest,
  imageTags: z
    .array(z.string().max(300).regex(IMAGE_TAG, 'expected an image tag ([A-Za-z0-9_][A-Za-z0-9._-]*)'))
    .optional(),
  imageSizeInBytes: imageSize.optional(),
  imagePushedAt: timestamp,
  lastRecordedPullTime: timestamp.optional(),
  imageManifestMediaType: z
    .enum(MANIFEST_MEDIA_TYPES, { error: `expected one of ${MANIFEST_MEDIA_TYPES.join(', ')}` })
    .optional(),
  artifactMediaType: z.string().regex(MEDIA_TYPE, 'expected a media type (type/subtype)').optional(),
  /** An index's manifests, by digest: images of the same repository where it stores them (a cache stores those pulled). */
  manifestDigests: z.array(digest).min(1, 'expected at least one digest').optional(),
  /** A referrer's (signature's, attestation's) subject, by digest. */
  subjectManifestDigest: digest.optional(),
  /** An image manifest's blobs, its config first, as the manifest lists them. */
  layers: z.array(z.strictObject({ digest, size: imageSize })).min(1, 'expected the config blob at least').optional(),
  imageStatus: z.enum(['ACTIVE', 'ARCHIVED'], { error: 'expected ACTIVE or ARCHIVED' }).optional(),
  lastArchivedAt: timestamp.optional(),
  lastActivatedAt: timestamp.optional(),
});

const repositorySchema = z
  .strictObject({
    repositoryName: z
      .string()
      .min(2, `expected 2..${MAX_REPOSITORY_NAME_LENGTH} characters`)
      .max(MAX_REPOSITORY_NAME_LENGTH, `expected 2..${MAX_REPOSITORY_NAME_LENGTH} characters`)
      .regex(REPOSITORY_NAME, 'not a valid ECR repository name'),
    lifecyclePolicyText: z.string().optional(),
    images: z.array(imageSchema).optional(),
    faults: faultsSchema.optional(),
    /** Milliseconds added to every answer about this repository, beside the registry's own latencyMs. */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
  })
  .superRefine((repo, ctx) => {
    if (repo.lifecyclePolicyText !== undefined) {
      // The file stands for what ECR holds, and ECR never holds a policy it would reject.
      const [problem] = validateLifecyclePolicyText(repo.lifecyclePolicyText);
      if (problem) ctx.addIssue({ code: 'custom', path: ['lifecyclePolicyText'], message: problem });
    }
    const images = repo.images ?? [];
    firstDuplicate(images.map((i) => i.imageDigest), (at, digest) =>
      ctx.addIssue({ code: 'custom', path: ['images', at, 'imageDigest'], message: `duplicate digest ${digest}` }),
    );
    images.forEach((image, i) => checkImageReferences(image, i, images, ctx));
    // A tag names one image in a repository.
    const tags = images.flatMap((image, i) => (image.imageTags ?? []).map((tag, t) => ({ tag, i, t })));
    firstDuplicate(tags.map((t) => t.tag), (at, tag) =>
      ctx.addIssue({
        code: 'custom',
        path: ['images', tags[at].i, 'imageTags', tags[at].t],
        message: `tag "${tag}" is already on another image`,
      }),
    );
  });

const rate = z.number({ error: 'expected calls per second, a number above 0' }).positive('expected calls per second, a number above 0');

// ECR throttles each API on its own, and the registry file can too: `perOperation` gives an operation a rate of its
// own, checked as well as `ratePerSecond`, which stands for everything the account asks of ECR at once.
const throttleSchema = z
  .strictObject({
    ratePerSecond: rate.optional(),
    perOperation: z
      .strictObject(Object.fromEntries(ECR_OPERATIONS.map((operation) => [operation, rate.optional()])) as Record<EcrOperation, z.ZodOptional<typeof rate>>)
      .optional(),
  })
  .refine((t) => t.ratePerSecond !== undefined || Object.keys(t.perOperation ?? {}).length > 0, {
    message: 'expected ratePerSecond, perOperation or both',
    // An unknown operation is its own problem: the rates left without it are not a second one.
    when: ({ issues }) => issues.length === 0,
  });

const registrySchema = z
  .strictObject({
    pullThroughCacheRules: z.array(ruleSchema),
    repositories: z.array(repositorySchema),
    throttle: throttleSchema.optional(),
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    pullTimeUpdateExclusions: z
      .array(z.string().refine(isPrincipalArn, `expected an IAM role or user ARN (arn:aws:iam::123456789012:role/NAME), at most ${MAX_PRINCIPAL_ARN_LENGTH} characters`))
      .optional(),
  })
  .superRefine((registry, ctx) => {
    firstDuplicate(registry.pullThroughCacheRules.map((r) => r.ecrRepositoryPrefix), (at, prefix) =>
      ctx.addIssue({
        code: 'custom',
        path: ['pullThroughCacheRules', at, 'ecrRepositoryPrefix'],
        message: `duplicate prefix "${prefix}"`,
      }),
    );
    firstDuplicate(registry.repositories.map((r) => r.repositoryName), (at, name) =>
      ctx.addIssue({
        code: 'custom',
        path: ['repositories', at, 'repositoryName'],
        message: `duplicate repository "${name}"`,
      }),
    );
    firstDuplicate(registry.pullTimeUpdateExclusions ?? [], (at, arn) =>
      ctx.addIssue({ code: 'custom', path: ['pullTimeUpdateExclusions', at], message: `duplicate principal "${arn}"` }),
    );
  });

type ImageEntry = z.infer<typeof imageSchema>;

/** What ECR would never hold: an index that lists no manifests or itself, an archived image with no archive time. */
function checkImageReferences(image: ImageEntry, at: number, images: ImageEntry[], ctx: z.RefinementCtx): void {
  const issue = (field: string, message: string, index?: number) =>
    ctx.addIssue({ code: 'custom', path: ['images', at, field, ...(index === undefined ? [] : [index])], message });
  if (isImageIndex(image) && image.manifestDigests === undefined) {
    issue('manifestDigests', `missing: an image index (${image.imageManifestMediaType}) lists its manifests`);
  }
  if (!isImageIndex(image) && image.manifestDigests !== undefined) {
    issue('manifestDigests', 'only an image index lists manifests: set imageManifestMediaType to an index media type');
  }
  if (isImageIndex(image) && image.layers !== undefined) {
    issue('layers', 'an image index stores no blobs: give layers on the manifests it lists');
  }
  if (listsItselfThroughIndexes(image, images)) issue('manifestDigests', 'an index cannot list itself, through other indexes either');
  // An index may list manifests the repository does not hold: a pull-through cache stores only those pulled.
  (image.manifestDigests ?? []).forEach((listed, m) => {
    if (listed === image.imageDigest) issue('manifestDigests', 'an index cannot list itself', m);
  });
  if (image.subjectManifestDigest === image.imageDigest) issue('subjectManifestDigest', 'an image cannot refer to itself');
  if (image.imageStatus === 'ARCHIVED' && image.lastArchivedAt === undefined) {
    issue('lastArchivedAt', 'missing: an archived image has the time it was archived');
  }
}

/** Whether an index reaches itself through indexes it lists (content-addressed manifests never do). */
function listsItselfThroughIndexes(image: ImageEntry, images: ImageEntry[]): boolean {
  const seen = new Set<string>();
  const pending = [...(image.manifestDigests ?? [])].filter((d) => d !== image.imageDigest);
  for (let digest = pending.pop(); digest !== undefined; digest = pending.pop()) {
    if (seen.has(digest)) continue;
    seen.add(digest);
    const listed = images.find((other) => other.imageDigest === digest)?.manifestDigests ?? [];
    if (listed.includes(image.imageDigest)) return true;
    pending.push(...listed);
  }
  return false;
}

export type Registry = z.infer<typeof registrySchema>;
export type RegistryRepository = Registry['repositories'][number];
export type RegistryImage = NonNullable<RegistryRepository['images']>[number];
export type PullThroughCacheRuleEntry = Registry['pullThroughCacheRules'][number];

function firstDuplicate(values: string[], report: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  const at = values.findIndex((v) => seen.size === seen.add(v).size);
  if (at >= 0) report(at, values[at]);
}

/** `repositories[3].images[0].imagePushedAt`, the way a person finds it in the file. */
function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(top level)';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Validates a parsed registry file; throws an Error whose message names every problem, one line each. */
export function parseRegistry(json: unknown): Registry {
  const result = registrySchema.safeParse(json);
  if (result.success) return result.data;
  throw new Error(result.error.issues.flatMap(problemLines).join('\n'));
}

/** `path: what is wrong` for one of zod's issues; an unknown field by its own path, one line per field. */
function problemLines(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => oneLine(`${formatPath([...issue.path, key])}: unknown field`));
  }
  let message = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'invalid_type' && /received undefined$/.test(message)) message = `missing (${message})`;
  return [oneLine(`${formatPath(issue.path)}: ${message}`)];
}

/** Reads and validates a registry file; unreadable files and bad JSON are one-line errors too. */
export function readRegistryFile(path: string): Registry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(oneLine(`${path}: cannot read registry file (${code ?? (error as Error).message})`));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(oneLine(`${path}: not valid JSON (${(error as Error).message})`));
  }
  try {
    return parseRegistry(json);
  } catch (error) {
    throw new Error((error as Error).message.split('\n').map((problem) => `${path}: ${problem}`).join('\n'));
  }
}

/** The same file format back (for --registry-out): ECR's field names, optional fields left out when unset. */
export function serializeRegistry(registry: Registry): object {
  return JSON.parse(JSON.stringify(registry));
}
