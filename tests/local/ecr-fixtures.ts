// Registries and clients for the embedded ECR endpoint's tests.
import { ECRClient } from '@aws-sdk/client-ecr';
import { accessKeyIdFor } from '../../local/ecr/principals';
import type { Registry } from '../../local/ecr/registry-file';

export function digest(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

export function client(url: string, maxAttempts?: number): ECRClient {
  return new ECRClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

/** A client the endpoint takes for `principalArn` (an IAM role or user): it signs with that principal's access key id. */
export function clientAs(url: string, principalArn: string): ECRClient {
  return new ECRClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: accessKeyIdFor(principalArn), secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** The seed document's policy: ECR rejects it (sinceImagePulled with expire; two tagStatus any rules). */
export const SEED_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Delete images not pulled in 30 days',
      selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'Keep only the latest 1 image',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

export const KEEP_LATEST_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Keep only the latest image',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

/** `count` cached repositories named docker-hub/library/app-0000.. with no images. */
export function manyRepositories(count: number): Registry {
  return {
    pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
    repositories: Array.from({ length: count }, (_, i) => ({
      repositoryName: `docker-hub/library/app-${String(i).padStart(4, '0')}`,
    })),
  };
}

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A multi-platform image as a pull-through cache holds one: a tagged index listing two untagged platform
 * manifests, a signature referring to the index, and an older single-platform image.
 */
export function multiPlatformRepository(repositoryName = 'docker-hub/library/nginx'): Registry['repositories'][number] {
  return {
    repositoryName,
    images: [
      { imageDigest: digest(10), imageTags: ['1.27'], imageSizeInBytes: 70_000_000, imagePushedAt: '2026-11-01T00:00:00Z', imageManifestMediaType: OCI_INDEX, manifestDigests: [digest(11), digest(12)] },
      { imageDigest: digest(11), imageSizeInBytes: 70_000_000, imagePushedAt: '2026-11-01T00:00:00Z', imageManifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.oci.image.config.v1+json' },
      { imageDigest: digest(12), imageSizeInBytes: 65_000_000, imagePushedAt: '2026-11-01T00:00:00Z', imageManifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.oci.image.config.v1+json' },
      { imageDigest: digest(13), imageSizeInBytes: 1_000, imagePushedAt: '2026-11-02T00:00:00Z', imageManifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.cncf.notary.signature', subjectManifestDigest: digest(10) },
      { imageDigest: digest(14), imageTags: ['1.25'], imageSizeInBytes: 60_000_000, imagePushedAt: '2026-06-01T00:00:00Z' },
    ],
  };
}
