// What `publish` finds in one region's code bucket, and what it changes there. planBucket only reads (HeadBucket,
// GetBucketVersioning, GetPublicAccessBlock, GetBucketEncryption, GetBucketPolicy, HeadObject); applyBucket makes
// the changes its plan lists. An artifact already stored under its key with the same SHA-256 is not uploaded
// again, so publishing the same code twice changes nothing. The public access block is put before the bucket
// policy: S3 then refuses the policy, rather than serve it, should it ever count as public.
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BUCKET_SETTINGS, type BucketPolicy } from './code-buckets';

export interface Artifact {
  key: string;
  body: Buffer;
  /** SHA-256 of the body, base64 (S3's ChecksumSHA256). */
  sha256: string;
  contentType: 'application/zip' | 'application/json';
}

export interface BucketTarget {
  region: string;
  bucket: string;
  policy: BucketPolicy;
}

export type BucketSetting = 'public access block' | 'versioning' | 'default encryption' | 'bucket policy';

/** In the order applyBucket puts them. */
const SETTINGS: BucketSetting[] = ['public access block', 'versioning', 'default encryption', 'bucket policy'];

export interface BucketPlan {
  target: BucketTarget;
  create: boolean;
  /** The settings that are missing or differ, to be put. */
  settings: BucketSetting[];
  uploads: Artifact[];
  /** Already stored under their keys with the same content. */
  stored: Artifact[];
}

/** A bucket `publish` cannot use, found before anything changed. */
export class BucketProblem extends Error {}

/**
 * The IAM action each S3 call of `publish` needs (S3 API reference, each operation's permissions): the list
 * docs/stacksets.md gives, and what an AccessDenied answer is told to ask for.
 */
export const S3_PERMISSIONS: Record<string, string> = {
  HeadBucket: 's3:ListBucket',
  GetBucketVersioning: 's3:GetBucketVersioning',
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  GetBucketPolicy: 's3:GetBucketPolicy',
  HeadObject: 's3:GetObject',
  CreateBucket: 's3:CreateBucket',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  PutBucketVersioning: 's3:PutBucketVersioning',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  PutBucketPolicy: 's3:PutBucketPolicy',
  PutObject: 's3:PutObject',
};

/**
 * An S3 client for one region. With an endpoint set in the environment (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL,
 * which the SDK reads), addresses are path-style: a local server has no DNS name per bucket. A call refused with
 * AccessDenied says which action it needs.
 */
export function s3Client(region: string, profile?: string): S3Client {
  const endpointGiven = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const s3 = new S3Client({ region, ...(profile === undefined ? {} : { profile }), ...(endpointGiven ? { forcePathStyle: true } : {}) });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const { name, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
        const operation = context.commandName?.replace(/Command$/, '') ?? '';
        if ((name === 'AccessDenied' || $metadata?.httpStatusCode === 403) && S3_PERMISSIONS[operation]) {
          (error as Error).message = `${(error as Error).message || 'Access Denied'} (${operation} on ${(args.input as { Bucket?: string }).Bucket} needs ${S3_PERMISSIONS[operation]})`;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'namePermissionOfDeniedCall' },
  );
  return s3;
}

export async function planBucket(s3: S3Client, target: BucketTarget, artifacts: Artifact[]): Promise<BucketPlan> {
  const exists = await bucketExists(s3, target);
  if (!exists) return { target, create: true, settings: [...SETTINGS], uploads: artifacts, stored: [] };
  const Bucket = target.bucket;
  const differs: Record<BucketSetting, () => Promise<boolean>> = {
    'public access block': async () => {
      const found = await orUndefined(s3.send(new GetPublicAccessBlockCommand({ Bucket })), 'NoSuchPublicAccessBlockConfiguration');
      const settings = found?.PublicAccessBlockConfiguration ?? {};
      return Object.entries(BUCKET_SETTINGS.publicAccessBlock).some(([name, value]) => settings[name as keyof typeof settings] !== value);
    },
    versioning: async () => (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status !== BUCKET_SETTINGS.versioning,
    'default encryption': async () => {
      const found = await orUndefined(s3.send(new GetBucketEncryptionCommand({ Bucket })), 'ServerSideEncryptionConfigurationNotFoundError');
      const rules = found?.ServerSideEncryptionConfiguration?.Rules ?? [];
      return rules[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm !== BUCKET_SETTINGS.sseAlgorithm;
    },
    'bucket policy': async () => {
      const found = await orUndefined(s3.send(new GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy');
      return found?.Policy === undefined || canonicalJson(JSON.parse(found.Policy)) !== canonicalJson(target.policy);
    },
  };
  const settings: BucketSetting[] = [];
  for (const setting of SETTINGS) if (await differs[setting]()) settings.push(setting);
  const uploads: Artifact[] = [];
  const stored: Artifact[] = [];
  for (const artifact of artifacts) {
    const head = await orUndefined(s3.send(new HeadObjectCommand({ Bucket, Key: artifact.key, ChecksumMode: 'ENABLED' })), 'NotFound');
    (head?.ChecksumSHA256 === artifact.sha256 ? stored : uploads).push(artifact);
  }
  return { target, create: false, settings, uploads, stored };
}

/** Makes a plan's changes, saying each one as it is made. */
export async function applyBucket(s3: S3Client, plan: BucketPlan, done: (change: string) => void): Promise<void> {
  const { bucket: Bucket, region } = plan.target;
  if (plan.create) {
    // us-east-1 is the one region S3 takes no location constraint for.
    const configuration = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } };
    await s3.send(new CreateBucketCommand({ Bucket, ...configuration }));
    done(`created bucket ${Bucket}`);
  }
  const put: Record<BucketSetting, () => Promise<unknown>> = {
    'public access block': () => s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { ...BUCKET_SETTINGS.publicAccessBlock } })),
    versioning: () => s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: BUCKET_SETTINGS.versioning } })),
    'default encryption': () =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: BUCKET_SETTINGS.sseAlgorithm } }] },
        }),
      ),
    'bucket policy': () => s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(plan.target.policy) })),
  };
  for (const setting of plan.settings) {
    await put[setting]();
    done(`put the ${setting} of ${Bucket}`);
  }
  for (const artifact of plan.uploads) {
    await s3.send(new PutObjectCommand({ Bucket, Key: artifact.key, Body: artifact.body, ChecksumSHA256: artifact.sha256, ContentType: artifact.contentType }));
    done(`uploaded s3://${Bucket}/${artifact.key}`);
  }
}

/** Whether the bucket is there, in its region and readable by these credentials; a BucketProblem when it is not usable. */
async function bucketExists(s3: S3Client, { bucket, region }: BucketTarget): Promise<boolean> {
  try {
    const { BucketRegion } = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    if (BucketRegion !== undefined && BucketRegion !== region) throw new BucketProblem(`bucket ${bucket} is in ${BucketRegion}, not ${region}: Lambda reads code only from its own region; choose another --bucket-prefix`);
    return true;
  } catch (error) {
    if (error instanceof BucketProblem) throw error;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403) {
      throw new BucketProblem(`bucket ${bucket} exists and these credentials may not use it (S3 bucket names are global: another account may own it); choose another --bucket-prefix`);
    }
    if (status === 301) {
      const elsewhere = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['x-amz-bucket-region'];
      throw new BucketProblem(`bucket ${bucket} is in ${elsewhere ?? 'another region'}, not ${region}: choose another --bucket-prefix`);
    }
    throw error;
  }
}

/** A call's answer, or undefined when S3 answers that the thing asked for is not there. */
async function orUndefined<T>(call: Promise<T>, notThere: string): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    const { name, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    if (name === notThere || (notThere === 'NotFound' && $metadata?.httpStatusCode === 404)) return undefined;
    throw error;
  }
}

/** JSON with every object's keys sorted: two policies compare equal whatever order S3 gives their keys in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))) : item,
  );
}
