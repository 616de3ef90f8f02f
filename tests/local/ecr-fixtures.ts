// Registries and clients for the embedded ECR endpoint's tests.
import { ECRClient } from '@aws-sdk/client-ecr';
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
