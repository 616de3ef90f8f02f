// The embedded ECR endpoint as the real @aws-sdk/client-ecr sees it: paging, outputs, errors and mutations.
import {
  BatchDeleteImageCommand,
  DeleteLifecyclePolicyCommand,
  DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  ImageNotFoundException,
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  PullThroughCacheRuleNotFoundException,
  PutLifecyclePolicyCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import type { Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { client, digest, KEEP_LATEST_POLICY, manyRepositories, SEED_POLICY } from './ecr-fixtures';

const NGINX = 'docker-hub/library/nginx';
const ETCD = 'quay/coreos/etcd';
const OWN = 'team/app';
/** Past 2^32, so a size that only fits ECR's Long (not an int) travels intact. */
const LARGE_IMAGE_BYTES = 6_442_450_944;

const registry: Registry = {
  pullThroughCacheRules: [
    { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub' },
    { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
    { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' },
  ],
  repositories: [
    {
      repositoryName: NGINX,
      images: [
        { imageDigest: digest(1), imageTags: ['1.27'], imageSizeInBytes: 71_093_817, imagePushedAt: '2026-10-01T00:00:00Z', lastRecordedPullTime: '2026-11-20T00:00:00Z' },
        { imageDigest: digest(2), imageSizeInBytes: LARGE_IMAGE_BYTES, imagePushedAt: '2026-09-01T12:30:00Z' },
        { imageDigest: digest(3), imageTags: ['1.26', 'stable'], imagePushedAt: '2026-08-01T00:00:00Z' },
        { imageDigest: digest(4), imageTags: ['1.25'], imagePushedAt: '2026-07-01T00:00:00Z' },
        { imageDigest: digest(5), imageTags: ['1.24'], imagePushedAt: '2026-06-01T00:00:00Z' },
      ],
    },
    { repositoryName: ETCD, lifecyclePolicyText: KEEP_LATEST_POLICY },
    { repositoryName: OWN },
  ],
};

let endpoint: EcrEndpoint;
let ecr: ECRClient;

beforeEach(async () => {
  endpoint = await startEcrEndpoint(registry);
  ecr = client(endpoint.url, 1);
});
afterEach(async () => {
  ecr.destroy();
  await endpoint.close();
});

async function expectRejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the call to fail, it succeeded');
  return error;
}

async function allRepositoryNames(c: ECRClient, maxResults?: number): Promise<{ names: string[]; pages: number[] }> {
  const names: string[] = [];
  const pages: number[] = [];
  let nextToken: string | undefined;
  do {
    const out = await c.send(new DescribeRepositoriesCommand({ maxResults, nextToken }));
    pages.push(out.repositories?.length ?? 0);
    names.push(...(out.repositories ?? []).map((r) => r.repositoryName as string));
    nextToken = out.nextToken;
  } while (nextToken);
  return { names, pages };
}

describe('DescribeRepositories paging', () => {
  let big: EcrEndpoint;
  let bigEcr: ECRClient;
  const expected = manyRepositories(250).repositories.map((r) => r.repositoryName);
  beforeEach(async () => {
    big = await startEcrEndpoint(manyRepositories(250));
    bigEcr = client(big.url, 1);
  });
  afterEach(async () => {
    bigEcr.destroy();
    await big.close();
  });

  it('returns 100 repositories per page when maxResults is unset, and the pages cover every repository once', async () => {
    const { names, pages } = await allRepositoryNames(bigEcr);
    expect(pages).toEqual([100, 100, 50]);
    expect(names).toHaveLength(250);
    expect(new Set(names)).toEqual(new Set(expected));
  });

  it('honours maxResults 1 and 1000', async () => {
    const one = await bigEcr.send(new DescribeRepositoriesCommand({ maxResults: 1 }));
    expect(one.repositories).toHaveLength(1);
    expect(one.nextToken).toBeDefined();
    const all = await bigEcr.send(new DescribeRepositoriesCommand({ maxResults: 1000 }));
    expect(all.repositories).toHaveLength(250);
    expect(all.nextToken).toBeUndefined();
  });

  it('pages of 7 are complete and do not overlap', async () => {
    const { names, pages } = await allRepositoryNames(bigEcr, 7);
    expect(pages.slice(0, -1).every((n) => n === 7)).toBe(true);
    expect(pages).toHaveLength(Math.ceil(250 / 7));
    expect(names.length).toBe(new Set(names).size);
    expect(new Set(names)).toEqual(new Set(expected));
  });

  it.each([0, 1001, -5])('rejects maxResults %i with InvalidParameterException', async (maxResults) => {
    const error = await expectRejection(bigEcr.send(new DescribeRepositoriesCommand({ maxResults })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('rejects a nextToken it did not issue', async () => {
    const made = Buffer.from(JSON.stringify({ offset: 100 })).toString('base64');
    expect(await expectRejection(bigEcr.send(new DescribeRepositoriesCommand({ nextToken: made })))).toBeInstanceOf(
      InvalidParameterException,
    );
    const real = (await bigEcr.send(new DescribeRepositoriesCommand({ maxResults: 10 }))).nextToken as string;
    const tampered = real.slice(0, -2) + (real.endsWith('AA') ? 'BB' : 'AA');
    expect(await expectRejection(bigEcr.send(new DescribeRepositoriesCommand({ nextToken: tampered })))).toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('rejects a token issued by another endpoint or for another listing', async () => {
    const token = (await bigEcr.send(new DescribeRepositoriesCommand({ maxResults: 10 }))).nextToken;
    expect(await expectRejection(ecr.send(new DescribeRepositoriesCommand({ nextToken: token })))).toBeInstanceOf(
      InvalidParameterException,
    );
    const imagesToken = (await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, maxResults: 1 }))).nextToken;
    expect(imagesToken).toBeDefined();
    expect(await expectRejection(ecr.send(new DescribeRepositoriesCommand({ nextToken: imagesToken })))).toBeInstanceOf(
      InvalidParameterException,
    );
  });
});

describe('DescribeRepositories output', () => {
  it('describes repositories with ECR ARNs and URIs and no lifecycle field', async () => {
    const out = await ecr.send(new DescribeRepositoriesCommand({}));
    const etcd = out.repositories?.find((r) => r.repositoryName === ETCD);
    expect(etcd).toMatchObject({
      repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/quay/coreos/etcd',
      registryId: '123456789012',
      repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/quay/coreos/etcd',
    });
    expect(etcd?.createdAt).toBeInstanceOf(Date);
    expect(JSON.stringify(out)).not.toMatch(/lifecycle/i);
    expect(out.repositories?.map((r) => r.repositoryName).sort()).toEqual([NGINX, OWN, ETCD].sort());
  });

  it('answers repositoryNames in one go and names an unknown one as RepositoryNotFoundException', async () => {
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [OWN, NGINX] }));
    expect(out.repositories?.map((r) => r.repositoryName)).toEqual([OWN, NGINX]);
    const error = await expectRejection(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [NGINX, 'docker-hub/library/gone'] })),
    );
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
    expect(error.message).toContain('docker-hub/library/gone');
  });

  it('refuses repositoryNames together with maxResults, as ECR does', async () => {
    const error = await expectRejection(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [NGINX], maxResults: 5 })));
    expect(error).toBeInstanceOf(InvalidParameterException);
  });
});

describe('DescribePullThroughCacheRules', () => {
  it('lists the rules with their upstream registry and pages them', async () => {
    const first = await ecr.send(new DescribePullThroughCacheRulesCommand({ maxResults: 2 }));
    expect(first.pullThroughCacheRules).toHaveLength(2);
    const second = await ecr.send(new DescribePullThroughCacheRulesCommand({ maxResults: 2, nextToken: first.nextToken }));
    expect(second.nextToken).toBeUndefined();
    const rules = [...(first.pullThroughCacheRules ?? []), ...(second.pullThroughCacheRules ?? [])];
    expect(rules.map((r) => r.ecrRepositoryPrefix).sort()).toEqual(['docker-hub', 'ecr-public', 'quay']);
    const hub = rules.find((r) => r.ecrRepositoryPrefix === 'docker-hub');
    expect(hub).toMatchObject({
      upstreamRegistryUrl: 'registry-1.docker.io',
      upstreamRegistry: 'docker-hub',
      registryId: '123456789012',
      credentialArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub',
    });
    expect(hub?.createdAt).toBeInstanceOf(Date);
  });

  it('returns 100 rules per page by default and rejects maxResults over 1000', async () => {
    const out = await ecr.send(new DescribePullThroughCacheRulesCommand({}));
    expect(out.pullThroughCacheRules).toHaveLength(3);
    expect(out.nextToken).toBeUndefined();
    expect(await expectRejection(ecr.send(new DescribePullThroughCacheRulesCommand({ maxResults: 1001 })))).toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('filters by prefix and names an unknown prefix', async () => {
    const out = await ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['quay'] }));
    expect(out.pullThroughCacheRules?.map((r) => r.upstreamRegistryUrl)).toEqual(['quay.io']);
    expect(
      await expectRejection(ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['gcr'] }))),
    ).toBeInstanceOf(PullThroughCacheRuleNotFoundException);
  });
});

describe('GetLifecyclePolicy and PutLifecyclePolicy', () => {
  it('says LifecyclePolicyNotFoundException for a repository without a policy', async () => {
    const error = await expectRejection(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: NGINX })));
    expect(error).toBeInstanceOf(LifecyclePolicyNotFoundException);
  });

  it('says RepositoryNotFoundException for a repository that does not exist', async () => {
    const error = await expectRejection(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/nope' })));
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
    const put = await expectRejection(
      ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'docker-hub/nope', lifecyclePolicyText: KEEP_LATEST_POLICY })),
    );
    expect(put).toBeInstanceOf(RepositoryNotFoundException);
  });

  it('returns the policy a repository has', async () => {
    const out = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: ETCD }));
    expect(out.repositoryName).toBe(ETCD);
    expect(out.registryId).toBe('123456789012');
    expect(JSON.parse(out.lifecyclePolicyText as string)).toEqual(JSON.parse(KEEP_LATEST_POLICY));
    expect(out.lastEvaluatedAt).toBeInstanceOf(Date);
  });

  it("rejects the seed document's policy with ECR's validation failure and keeps the repository unchanged", async () => {
    const error = await expectRejection(
      ecr.send(new PutLifecyclePolicyCommand({ repositoryName: NGINX, lifecyclePolicyText: SEED_POLICY })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message.startsWith(
      "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ",
    )).toBe(true);
    expect(error.message).toMatch(/sinceImagePulled/);
    expect(await expectRejection(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: NGINX })))).toBeInstanceOf(
      LifecyclePolicyNotFoundException,
    );
  });

  it('rejects policy text shorter than 100 characters', async () => {
    const short = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] }).slice(0, 99);
    const error = await expectRejection(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: NGINX, lifecyclePolicyText: short })));
    expect(error).toBeInstanceOf(InvalidParameterException);
  });

  it('accepts a keep-latest policy and gives it back', async () => {
    const out = await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: NGINX, lifecyclePolicyText: KEEP_LATEST_POLICY }));
    expect(out.repositoryName).toBe(NGINX);
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: NGINX }));
    expect(JSON.parse(got.lifecyclePolicyText as string)).toEqual(JSON.parse(KEEP_LATEST_POLICY));
    expect(endpoint.registry().repositories.find((r) => r.repositoryName === NGINX)?.lifecyclePolicyText).toBeDefined();
  });

  it('stores rules ordered by rulePriority, as ECR does', async () => {
    const outOfOrder = {
      rules: [
        { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
        {
          rulePriority: 1,
          selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
          action: { type: 'expire' },
        },
      ],
    };
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: OWN, lifecyclePolicyText: JSON.stringify(outOfOrder) }));
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: OWN }));
    const stored = JSON.parse(got.lifecyclePolicyText as string) as typeof outOfOrder;
    expect(stored.rules.map((r) => r.rulePriority)).toEqual([1, 2]);
    expect(stored.rules[0]).toEqual(outOfOrder.rules[1]);
  });
});

describe('DeleteLifecyclePolicy', () => {
  it('removes the policy, answers with the policy it removed, and leaves the images', async () => {
    const out = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: ETCD }));
    expect(out.repositoryName).toBe(ETCD);
    expect(out.registryId).toBe('123456789012');
    expect(JSON.parse(out.lifecyclePolicyText as string)).toEqual(JSON.parse(KEEP_LATEST_POLICY));
    expect(out.lastEvaluatedAt).toBeInstanceOf(Date);
    expect(await expectRejection(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: ETCD })))).toBeInstanceOf(
      LifecyclePolicyNotFoundException,
    );
    expect(endpoint.registry().repositories.find((r) => r.repositoryName === ETCD)).toEqual({ repositoryName: ETCD });
  });

  it('says LifecyclePolicyNotFoundException when there is no policy, and RepositoryNotFoundException when there is no repository', async () => {
    expect(await expectRejection(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: NGINX })))).toBeInstanceOf(
      LifecyclePolicyNotFoundException,
    );
    expect(await expectRejection(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'docker-hub/nope' })))).toBeInstanceOf(
      RepositoryNotFoundException,
    );
    expect(endpoint.registry().repositories.find((r) => r.repositoryName === NGINX)?.images).toHaveLength(5);
  });
});

describe('DescribeImages', () => {
  it('reports push and pull times as the registry file gives them, and no pull time for a never-pulled image', async () => {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX }));
    const byDigest = new Map(out.imageDetails?.map((d) => [d.imageDigest, d]));
    expect(byDigest.size).toBe(5);
    const pulled = byDigest.get(digest(1));
    expect(pulled?.imagePushedAt?.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(pulled?.lastRecordedPullTime?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(pulled?.imageTags).toEqual(['1.27']);
    expect(pulled).toMatchObject({ registryId: '123456789012', repositoryName: NGINX });
    const neverPulled = byDigest.get(digest(2));
    expect(neverPulled?.imagePushedAt?.toISOString()).toBe('2026-09-01T12:30:00.000Z');
    expect(neverPulled && 'lastRecordedPullTime' in neverPulled && neverPulled.lastRecordedPullTime !== undefined).toBe(false);
  });

  it('reports each image size exactly as the registry file gives it, and none for an image the file gives none', async () => {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX }));
    const sizes = Object.fromEntries(out.imageDetails?.map((d) => [d.imageDigest, d.imageSizeInBytes]) ?? []);
    expect(sizes).toEqual({
      [digest(1)]: 71_093_817,
      [digest(2)]: LARGE_IMAGE_BYTES,
      [digest(3)]: undefined,
      [digest(4)]: undefined,
      [digest(5)]: undefined,
    });
  });

  it('filters by tag status', async () => {
    const untagged = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, filter: { tagStatus: 'UNTAGGED' } }));
    expect(untagged.imageDetails?.map((d) => d.imageDigest)).toEqual([digest(2)]);
    const tagged = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, filter: { tagStatus: 'TAGGED' } }));
    expect(tagged.imageDetails).toHaveLength(4);
  });

  it('does not skip images when the ones already listed are deleted between pages', async () => {
    const first = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, maxResults: 2 }));
    const firstDigests = first.imageDetails?.map((d) => ({ imageDigest: d.imageDigest })) ?? [];
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: firstDigests }));
    const seen = firstDigests.map((d) => d.imageDigest);
    let nextToken = first.nextToken;
    while (nextToken) {
      const page = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, maxResults: 2, nextToken }));
      seen.push(...(page.imageDetails ?? []).map((d) => d.imageDigest));
      nextToken = page.nextToken;
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5].map(digest).sort());
  });

  it('rejects maxResults outside 1..1000 and an unknown repository', async () => {
    expect(await expectRejection(ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, maxResults: 0 })))).toBeInstanceOf(
      InvalidParameterException,
    );
    expect(await expectRejection(ecr.send(new DescribeImagesCommand({ repositoryName: 'docker-hub/x' })))).toBeInstanceOf(
      RepositoryNotFoundException,
    );
  });

  it('looks images up by tag and names a missing one ImageNotFoundException', async () => {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, imageIds: [{ imageTag: 'stable' }] }));
    expect(out.imageDetails?.map((d) => d.imageDigest)).toEqual([digest(3)]);
    expect(
      await expectRejection(ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, imageIds: [{ imageTag: 'nope' }] }))),
    ).toBeInstanceOf(ImageNotFoundException);
  });
});

describe('BatchDeleteImage', () => {
  it('deletes known images and reports unknown and malformed digests as failures', async () => {
    const out = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: NGINX,
        imageIds: [{ imageDigest: digest(2) }, { imageDigest: digest(99) }, { imageDigest: 'not-a-digest' }, { imageDigest: digest(1) }],
      }),
    );
    expect(out.imageIds).toEqual([{ imageDigest: digest(2) }, { imageDigest: digest(1), imageTag: '1.27' }]);
    expect(out.failures).toEqual([
      { imageId: { imageDigest: digest(99) }, failureCode: 'ImageNotFound', failureReason: expect.any(String) },
      { imageId: { imageDigest: 'not-a-digest' }, failureCode: 'InvalidImageDigest', failureReason: expect.any(String) },
    ]);
    const left = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX }));
    expect(left.imageDetails?.map((d) => d.imageDigest).sort()).toEqual([3, 4, 5].map(digest).sort());
    const state = endpoint.registry().repositories.find((r) => r.repositoryName === NGINX);
    expect(state?.images?.map((i) => i.imageDigest)).toEqual([3, 4, 5].map(digest));
  });

  it('keeps the sizes of the images it leaves in the registry it writes back out', async () => {
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(1) }] }));
    const state = endpoint.registry().repositories.find((r) => r.repositoryName === NGINX);
    expect(state?.images?.map((i) => [i.imageDigest, i.imageSizeInBytes])).toEqual([
      [digest(2), LARGE_IMAGE_BYTES],
      ...[3, 4, 5].map((n) => [digest(n), undefined]),
    ]);
    expect(state?.images?.[1]).not.toHaveProperty('imageSizeInBytes');
  });

  it('removes one tag of several without deleting the image', async () => {
    const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: [{ imageTag: 'stable' }] }));
    expect(out.imageIds).toEqual([{ imageDigest: digest(3), imageTag: 'stable' }]);
    const image = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(3) }] }));
    expect(image.imageDetails?.[0].imageTags).toEqual(['1.26']);
  });

  it('rejects more than 100 image ids, and none', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => ({ imageDigest: digest(1000 + i) }));
    expect(await expectRejection(ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: ids })))).toBeInstanceOf(
      InvalidParameterException,
    );
    expect(await expectRejection(ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: [] })))).toBeInstanceOf(
      InvalidParameterException,
    );
    const hundred = await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: ids.slice(0, 100) }));
    expect(hundred.failures).toHaveLength(100);
    expect((await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX }))).imageDetails).toHaveLength(5);
  });
});

describe('the wire protocol', () => {
  const post = (target: string | undefined, body: string) =>
    fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': target } : {}) },
      body,
    });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const res = await post('AmazonEC2ContainerRegistry_V20150921.CreateRepository', '{}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('UnknownOperationException');
    expect(endpoint.calls.CreateRepository).toBe(1);
  });

  it('answers malformed JSON with SerializationException', async () => {
    const res = await post('AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', '{"maxResults": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  it('answers a member of the wrong type with SerializationException', async () => {
    const res = await post('AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', '{"maxResults": "ten"}');
    expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  it('sends no imageSizeInBytes member at all for an image without a size', async () => {
    const res = await post('AmazonEC2ContainerRegistry_V20150921.DescribeImages', JSON.stringify({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(3) }] }));
    const body = (await res.json()) as { imageDetails: Record<string, unknown>[] };
    expect(body.imageDetails[0]).not.toHaveProperty('imageSizeInBytes');
  });

  it('sends timestamps as epoch seconds', async () => {
    const res = await post('AmazonEC2ContainerRegistry_V20150921.DescribeImages', JSON.stringify({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(1) }] }));
    const body = (await res.json()) as { imageDetails: { imagePushedAt: unknown }[] };
    expect(body.imageDetails[0].imagePushedAt).toBe(Date.UTC(2026, 9, 1) / 1000);
  });
});
