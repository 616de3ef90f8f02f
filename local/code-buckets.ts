// The buckets `publish` keeps a stack set's artifacts in, one per region, and what each must be: its name
// (`<prefix>-<region>`, within S3's bucket naming rules), its settings (versioning, every public access block
// setting, default encryption SSE-S3), its policy (principals of one organization may read the artifacts; nothing
// else is granted, and nothing is served without TLS), and the artifacts' keys, which carry a hash of their content.
import { createHash } from 'node:crypto';
import { REGION_NAME } from './aws-target';

/** An AWS Organizations organization ID (Organizations API reference, Organization.Id). */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** S3's bucket naming rules (S3 User Guide, "General purpose bucket naming rules"): length and reserved prefixes. */
const BUCKET_NAME_LENGTH = { min: 3, max: 63 };
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];

/** The bucket that holds the artifacts in one region. */
export function codeBucketName(bucketPrefix: string, region: string): string {
  return `${bucketPrefix}-${region}`;
}

/**
 * What is wrong with `--bucket-prefix` for these regions, if anything. Every name `<prefix>-<region>` ends in a digit,
 * so S3's rules on how a name ends and on names shaped like an IP address never apply; the rules on its characters,
 * its start and its length do. Dots, which S3 allows, are refused: a dotted bucket name does not match S3's TLS
 * certificate in a virtual-hosted HTTPS address, the form of the template URL CloudFormation reads.
 */
export function bucketPrefixProblem(bucketPrefix: string, regions: string[]): string | undefined {
  const say = (problem: string) => `--bucket-prefix ${JSON.stringify(bucketPrefix)}: ${problem}`;
  if (bucketPrefix === '') return say('is empty; give the start of the bucket names, e.g. acme-ecr-lifecycle');
  if (/[^a-z0-9.-]/.test(bucketPrefix)) return say('S3 bucket names hold only lowercase letters, digits, "-" and "."');
  if (bucketPrefix.includes('.')) return say('a "." in a bucket name breaks the HTTPS address of the template CloudFormation reads; use "-"');
  if (!/^[a-z0-9]/.test(bucketPrefix)) return say('an S3 bucket name starts with a letter or a digit');
  const reserved = RESERVED_BUCKET_PREFIXES.find((prefix) => bucketPrefix.startsWith(prefix));
  if (reserved) return say(`S3 reserves bucket names that start with ${reserved}`);
  const longest = [...regions].sort((a, b) => b.length - a.length)[0] ?? '';
  const name = codeBucketName(bucketPrefix, longest);
  if (name.length > BUCKET_NAME_LENGTH.max) {
    const room = BUCKET_NAME_LENGTH.max - longest.length - 1;
    return say(`the bucket ${name} would be ${name.length} characters, S3 allows ${BUCKET_NAME_LENGTH.max}; use a prefix of at most ${room}`);
  }
  return undefined;
}

/** What is wrong with `--regions`, if anything: none, a name that is no region's, or regions of two partitions. */
export function regionsProblem(regions: string[]): string | undefined {
  if (regions.length === 0) return '--regions names no region; give the regions to deploy to, e.g. --regions eu-west-1,us-east-1';
  const bad = regions.find((region) => !REGION_NAME.test(region));
  if (bad !== undefined) return `--regions: ${JSON.stringify(bad)} is not an AWS region name (like eu-west-1)`;
  const partitions = [...new Set(regions.map((region) => partitionOf(region).partition))];
  if (partitions.length > 1) return `--regions spans the partitions ${partitions.join(' and ')}: an organization, and a stack set, lives in one`;
  return undefined;
}

export function organizationIdProblem(organizationId: string | undefined): string | undefined {
  if (organizationId === undefined) return 'publish needs --organization-id o-...: the organization whose accounts may read the code (aws organizations describe-organization)';
  if (!ORGANIZATION_ID.test(organizationId)) return `--organization-id ${organizationId}: an organization ID is "o-" and 10 to 32 lowercase letters or digits`;
  return undefined;
}

export interface Partition {
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  dnsSuffix: string;
}

/** The partition a region belongs to: its ARNs' second field and its endpoints' domain. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', dnsSuffix: 'amazonaws.com' };
  return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
}

/** An artifact's content hash: SHA-256, base64 as S3's ChecksumSHA256 carries it. */
export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * The key of an artifact, under the service's name: a function's code at `<service>/code/<function>/<hash>.zip`, the
 * template at `<service>/template/<stage>/<hash>.json`. The hash is the content's SHA-256 in base64url: new code gets
 * a new key (so a stack set update replaces the function's code), the same code the same key (so publishing it again
 * uploads nothing). Not hexadecimal: a run of twelve decimal digits in a hex hash would read like an account ID.
 */
export function artifactKey(service: string, kind: 'code' | 'template', name: string, body: Buffer, extension: 'zip' | 'json'): string {
  const hash = createHash('sha256').update(body).digest('base64url');
  return `${service}/${kind}/${name}/${hash}.${extension}`;
}

/** The settings every code bucket has, as S3's API spells them. */
export const BUCKET_SETTINGS = {
  versioning: 'Enabled',
  publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  /** SSE-S3. Not SSE-KMS: every account reading the code would need a grant on the key as well. */
  sseAlgorithm: 'AES256',
} as const;

/**
 * The bucket policy: any principal of the organization may read the objects under the service's prefix (Lambda
 * reads a function's code, and CloudFormation the template, as the principal creating the stack), and no request
 * without TLS is served. The one grant is conditioned on a fixed `aws:PrincipalOrgID`, so the public access block
 * stays on.
 */
export function bucketPolicy(bucket: string, region: string, service: string, organizationId: string): BucketPolicy {
  const arn = `arn:${partitionOf(region).partition}:s3:::${bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationReadsArtifacts',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `${arn}/${service}/*`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

export interface BucketPolicy {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow' | 'Deny';
    Principal: '*';
    Action: string;
    Resource: string | string[];
    Condition: Record<string, Record<string, string>>;
  }[];
}

/** The HTTPS address of an object, in the form CloudFormation's TemplateURL takes (virtual-hosted, regional). */
export function objectUrl(bucket: string, region: string, key: string): string {
  return `https://${bucket}.s3.${region}.${partitionOf(region).dnsSuffix}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
