// The registry file: what it accepts, and errors that name where a bad file is wrong, one line per problem.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { OPERATION_ERRORS } from '../../local/ecr/operation-errors';
import { parseRegistry, readRegistryFile, REPOSITORY_OPERATIONS, serializeRegistry, type Registry } from '../../local/ecr/registry-file';
import { digest, KEEP_LATEST_POLICY, multiPlatformRepository, OCI_INDEX, SEED_POLICY } from './ecr-fixtures';

/** DESIGN.md's example, completed. */
const valid = (): Registry => ({
  pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
  repositories: [
    {
      repositoryName: 'docker-hub/library/nginx',
      lifecyclePolicyText: KEEP_LATEST_POLICY,
      images: [
        {
          imageDigest: digest(1), imageTags: ['1.27'], imageSizeInBytes: 71_093_817, imagePushedAt: '2026-10-01T00:00:00Z', lastRecordedPullTime: '2026-11-20T00:00:00Z',
          layers: [{ digest: digest(101), size: 7_023 }, { digest: digest(102), size: 71_086_794 }],
        },
      ],
      faults: { PutLifecyclePolicy: 'AccessDeniedException' },
    },
    { repositoryName: 'docker-hub/library/redis' },
    { repositoryName: 'docker-hub/library/alpine', images: [{ imageDigest: digest(2), imagePushedAt: '2026-10-01T00:00:00.123+02:00' }] },
  ],
  throttle: { ratePerSecond: 20, perOperation: { DescribeImages: 5, BatchDeleteImage: 2 } },
  latencyMs: 0,
  pullTimeUpdateExclusions: ['arn:aws:iam::123456789012:role/ecr-lifecycle-manager-read-manifests', 'arn:aws:iam::123456789012:user/ci'],
});

type Mutable = Registry & Record<string, unknown>;

function problem(change: (file: Mutable) => void): string {
  const file = valid() as Mutable;
  change(file);
  try {
    parseRegistry(file);
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected the registry file to be rejected');
}

describe('parseRegistry', () => {
  it("accepts DESIGN.md's registry file", () => {
    const registry = parseRegistry(valid());
    expect(registry.repositories).toHaveLength(3);
    expect(registry.repositories[0].faults).toEqual({ PutLifecyclePolicy: 'AccessDeniedException' });
  });

  it('accepts image sizes from 0 to the largest safe integer, and images without one', () => {
    const file = valid();
    file.repositories[0].images![0].imageSizeInBytes = 0;
    file.repositories[2].images![0].imageSizeInBytes = Number.MAX_SAFE_INTEGER;
    const images = parseRegistry(file).repositories.flatMap((r) => r.images ?? []);
    expect(images.map((i) => i.imageSizeInBytes)).toEqual([0, Number.MAX_SAFE_INTEGER]);
    delete file.repositories[0].images![0].imageSizeInBytes;
    expect(parseRegistry(file).repositories[0].images![0]).not.toHaveProperty('imageSizeInBytes');
  });

  it('accepts a registry with only the required lists', () => {
    expect(parseRegistry({ pullThroughCacheRules: [], repositories: [] })).toEqual({ pullThroughCacheRules: [], repositories: [] });
  });

  it.each<[string, (f: Mutable) => void, RegExp]>([
    ['a push time that is not a timestamp', (f) => { f.repositories[2].images![0].imagePushedAt = '1 Oct 2026'; }, /^repositories\[2\]\.images\[0\]\.imagePushedAt: expected an ISO 8601 timestamp/],
    ['a timestamp without a time zone', (f) => { f.repositories[0].images![0].lastRecordedPullTime = '2026-11-20T00:00:00'; }, /^repositories\[0\]\.images\[0\]\.lastRecordedPullTime: expected an ISO 8601 timestamp/],
    ['a fractional image size', (f) => { f.repositories[0].images![0].imageSizeInBytes = 1.5; }, /^repositories\[0\]\.images\[0\]\.imageSizeInBytes: expected a whole number of bytes/],
    ['a negative image size', (f) => { f.repositories[0].images![0].imageSizeInBytes = -1; }, /^repositories\[0\]\.images\[0\]\.imageSizeInBytes: expected a whole number of bytes/],
    ['an image size given as a string', (f) => { (f.repositories[2].images![0] as Record<string, unknown>).imageSizeInBytes = '1024'; }, /^repositories\[2\]\.images\[0\]\.imageSizeInBytes: expected a whole number of bytes/],
    ['an image size beyond the integers a JSON number holds exactly', (f) => { f.repositories[0].images![0].imageSizeInBytes = 2 ** 53; }, /^repositories\[0\]\.images\[0\]\.imageSizeInBytes: expected a whole number of bytes, 0 to 2\^53 - 1$/],
    ['a short digest', (f) => { f.repositories[0].images![0].imageDigest = 'sha256:abc'; }, /^repositories\[0\]\.images\[0\]\.imageDigest: expected sha256:/],
    ['a digest of another algorithm', (f) => { f.repositories[0].images![0].imageDigest = `sha512:${'a'.repeat(64)}`; }, /^repositories\[0\]\.images\[0\]\.imageDigest: /],
    ['an unknown field', (f) => { (f.repositories[1] as Record<string, unknown>).imageCount = 3; }, /^repositories\[1\]\.imageCount: unknown field$/],
    ['an unknown top-level field', (f) => { f.region = 'us-east-1'; }, /^region: unknown field$/],
    ['an upper-case repository name', (f) => { f.repositories[1].repositoryName = 'docker-hub/Library/redis'; }, /^repositories\[1\]\.repositoryName: not a valid ECR repository name$/],
    ['a one-character repository name', (f) => { f.repositories[1].repositoryName = 'r'; }, /^repositories\[1\]\.repositoryName: expected 2\.\.256 characters$/],
    ['a 257-character repository name', (f) => { f.repositories[1].repositoryName = `a/${'b'.repeat(255)}`; }, /^repositories\[1\]\.repositoryName: expected 2\.\.256 characters$/],
    ['a repository name ending in a slash', (f) => { f.repositories[1].repositoryName = 'docker-hub/'; }, /^repositories\[1\]\.repositoryName: not a valid/],
    ['a duplicate repository name', (f) => { f.repositories[2].repositoryName = 'docker-hub/library/nginx'; }, /^repositories\[2\]\.repositoryName: duplicate repository "docker-hub\/library\/nginx"$/],
    ['a duplicate digest', (f) => { f.repositories[0].images!.push({ imageDigest: digest(1), imagePushedAt: '2026-10-01T00:00:00Z' } as never); }, /^repositories\[0\]\.images\[1\]\.imageDigest: duplicate digest/],
    ['one tag on two images', (f) => { f.repositories[0].images!.push({ imageDigest: digest(3), imageTags: ['1.27'], imagePushedAt: '2026-10-01T00:00:00Z' } as never); }, /^repositories\[0\]\.images\[1\]\.imageTags\[0\]: tag "1.27"/],
    ['a fault for an operation the endpoint does not serve', (f) => { (f.repositories[0].faults as Record<string, string>).DeleteRepository = 'ServerException'; }, /^repositories\[0\]\.faults\.DeleteRepository: unknown field$/],
    ['a fault for an operation that names no repository', (f) => { (f.repositories[0].faults as Record<string, string>).DescribeRegistry = 'ServerException'; }, /^repositories\[0\]\.faults\.DescribeRegistry: unknown field$/],
    ['a child execution failing with an error Step Functions does not end one with', (f) => { (f.repositories[0].faults as Record<string, string>).ChildExecution = 'States.TaskFailed'; }, /^repositories\[0\]\.faults\.ChildExecution: expected one of States\.Timeout, States\.Runtime$/],
    ['an error name no ECR operation has', (f) => { f.repositories[0].faults!.PutLifecyclePolicy = 'NoSuchError'; }, /^repositories\[0\]\.faults\.PutLifecyclePolicy: not an error PutLifecyclePolicy can return: InvalidParameterException, RepositoryNotFoundException, ServerException, ValidationException, or an error any AWS call can/],
    ['an error only another operation returns', (f) => { f.repositories[0].faults!.PutLifecyclePolicy = 'LifecyclePolicyNotFoundException'; }, /^repositories\[0\]\.faults\.PutLifecyclePolicy: not an error PutLifecyclePolicy can return/],
    ['a missing repositories list', (f) => { delete (f as Partial<Mutable>).repositories; }, /^repositories: missing/],
    ['an upstream ECR cannot cache from', (f) => { f.pullThroughCacheRules.push({ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' }); }, /^pullThroughCacheRules\[1\]\.upstreamRegistryUrl: not an upstream registry/],
    ['a one-character prefix', (f) => { f.pullThroughCacheRules[0].ecrRepositoryPrefix = 'd'; }, /^pullThroughCacheRules\[0\]\.ecrRepositoryPrefix: /],
    ['a duplicate prefix', (f) => { f.pullThroughCacheRules.push({ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'quay.io' }); }, /^pullThroughCacheRules\[1\]\.ecrRepositoryPrefix: duplicate prefix/],
    ['a policy ECR would have rejected', (f) => { f.repositories[0].lifecyclePolicyText = SEED_POLICY; }, /^repositories\[0\]\.lifecyclePolicyText: .*sinceImagePulled/],
    ['a zero throttle rate', (f) => { f.throttle = { ratePerSecond: 0 }; }, /^throttle\.ratePerSecond: expected calls per second, a number above 0$/],
    ['a negative rate for one operation', (f) => { f.throttle = { perOperation: { DescribeImages: -5 } }; }, /^throttle\.perOperation\.DescribeImages: expected calls per second/],
    ['a rate for an operation the endpoint does not serve', (f) => { f.throttle = { perOperation: { ListImages: 5 } as never }; }, /^throttle\.perOperation\.ListImages: unknown field$/],
    ['a throttle with no rate at all', (f) => { f.throttle = {}; }, /^throttle: expected ratePerSecond, perOperation or both$/],
    ['a negative latency', (f) => { f.latencyMs = -1; }, /^latencyMs: /],
    ['a layer size that is not a whole number', (f) => { f.repositories[0].images![0].layers![1].size = 1.5; }, /^repositories\[0\]\.images\[0\]\.layers\[1\]\.size: expected a whole number of bytes/],
    ['a layer digest that is no digest', (f) => { f.repositories[0].images![0].layers![0].digest = 'sha256:abc'; }, /^repositories\[0\]\.images\[0\]\.layers\[0\]\.digest: expected sha256:/],
    ['a layer without its size', (f) => { delete (f.repositories[0].images![0].layers![0] as Partial<{ size: number }>).size; }, /^repositories\[0\]\.images\[0\]\.layers\[0\]\.size: /],
    ['a layer field ECR manifests do not have here', (f) => { (f.repositories[0].images![0].layers![0] as Record<string, unknown>).mediaType = 'x/y'; }, /^repositories\[0\]\.images\[0\]\.layers\[0\]\.mediaType: unknown field$/],
    ['no blobs at all', (f) => { f.repositories[0].images![0].layers = []; }, /^repositories\[0\]\.images\[0\]\.layers: expected the config blob at least$/],
    ['a pull time update exclusion for an IAM group', (f) => { f.pullTimeUpdateExclusions![1] = 'arn:aws:iam::123456789012:group/admins'; }, /^pullTimeUpdateExclusions\[1\]: expected an IAM role or user ARN/],
    ['a pull time update exclusion for an assumed-role session', (f) => { f.pullTimeUpdateExclusions![0] = 'arn:aws:sts::123456789012:assumed-role/reader/s'; }, /^pullTimeUpdateExclusions\[0\]: expected an IAM role or user ARN/],
    ['a pull time update exclusion of 201 characters', (f) => { f.pullTimeUpdateExclusions![0] = `arn:aws:iam::123456789012:role/${'r'.repeat(170)}`; }, /^pullTimeUpdateExclusions\[0\]: expected an IAM role or user ARN .*at most 200 characters$/],
    ['a principal excluded twice', (f) => { f.pullTimeUpdateExclusions!.push('arn:aws:iam::123456789012:user/ci'); }, /^pullTimeUpdateExclusions\[2\]: duplicate principal "arn:aws:iam::123456789012:user\/ci"$/],
    ['pull time update exclusions that are no list', (f) => { f.pullTimeUpdateExclusions = 'arn:aws:iam::123456789012:user/ci' as never; }, /^pullTimeUpdateExclusions: expected array/],
    ['a list where an object belongs', (f) => { f.repositories[1] = [] as never; }, /^repositories\[1\]: expected object, received array$/],
  ])('rejects %s with one line naming the path', (_, change, expected) => {
    expect(problem(change)).toMatch(expected);
  });

  it.each(['States.Timeout', 'States.Runtime'])('accepts a child execution that fails whole with %s, beside operation faults', (error) => {
    const file = valid();
    (file.repositories[0].faults as Record<string, string>).ChildExecution = error;
    expect(parseRegistry(file).repositories[0].faults).toEqual({ PutLifecyclePolicy: 'AccessDeniedException', ChildExecution: error });
  });

  it('accepts a fault that comes after a number of calls answered normally, and refuses a count that is no whole number', () => {
    const file = valid();
    file.repositories[0].faults = { BatchDeleteImage: { error: 'ServerException', afterCalls: 2 } };
    expect(parseRegistry(file).repositories[0].faults).toEqual({ BatchDeleteImage: { error: 'ServerException', afterCalls: 2 } });
    file.repositories[0].faults = { BatchDeleteImage: { error: 'ServerException', afterCalls: -1 } };
    expect(() => parseRegistry(file)).toThrow(/^repositories\[0\]\.faults\.BatchDeleteImage/);
  });

  it('accepts an image index with its manifests, a referrer and an archived image', () => {
    const file = valid();
    file.repositories[1] = multiPlatformRepository('docker-hub/library/redis');
    file.repositories[1].images!.push({
      imageDigest: digest(20), imagePushedAt: '2025-01-01T00:00:00Z', imageStatus: 'ARCHIVED', lastArchivedAt: '2026-01-01T00:00:00Z',
    });
    const images = parseRegistry(file).repositories[1].images!;
    expect(images[0].manifestDigests).toEqual([digest(11), digest(12)]);
    expect(images[3].subjectManifestDigest).toBe(digest(10));
    expect(images[5].imageStatus).toBe('ARCHIVED');
  });

  it('accepts an index listing manifests the repository does not hold, as a cache holds only those pulled', () => {
    const file = valid();
    file.repositories[1] = multiPlatformRepository('docker-hub/library/redis');
    file.repositories[1].images![0].manifestDigests = [digest(11), digest(99)];
    expect(parseRegistry(file).repositories[1].images![0].manifestDigests).toEqual([digest(11), digest(99)]);
  });

  it.each<[string, (image: Record<string, unknown>, images: Record<string, unknown>[]) => void, RegExp]>([
    ['an index without its manifests', (index) => { delete index.manifestDigests; }, /^repositories\[0\]\.images\[0\]\.manifestDigests: missing: an image index \(application\/vnd\.oci\.image\.index\.v1\+json\) lists its manifests$/],
    ['an index listing itself', (index) => { index.manifestDigests = [digest(10)]; }, /^repositories\[0\]\.images\[0\]\.manifestDigests\[0\]: an index cannot list itself$/],
    ['an index listing nothing', (index) => { index.manifestDigests = []; }, /^repositories\[0\]\.images\[0\]\.manifestDigests: expected at least one digest$/],
    ['manifests on an image that is no index', (_, images) => { images[4].manifestDigests = [digest(11)]; }, /^repositories\[0\]\.images\[4\]\.manifestDigests: only an image index lists manifests/],
    ['a manifest media type ECR does not store', (index) => { index.imageManifestMediaType = 'text/plain'; }, /^repositories\[0\]\.images\[0\]\.imageManifestMediaType: expected one of /],
    ['an artifact media type that is no media type', (_, images) => { images[3].artifactMediaType = 'signature'; }, /^repositories\[0\]\.images\[3\]\.artifactMediaType: expected a media type/],
    ['a subject digest that is no digest', (_, images) => { images[3].subjectManifestDigest = 'sha256:1'; }, /^repositories\[0\]\.images\[3\]\.subjectManifestDigest: expected sha256:/],
    ['an image referring to itself', (_, images) => { images[3].subjectManifestDigest = digest(13); }, /^repositories\[0\]\.images\[3\]\.subjectManifestDigest: an image cannot refer to itself$/],
    ['an archived image without its archive time', (_, images) => { images[4].imageStatus = 'ARCHIVED'; }, /^repositories\[0\]\.images\[4\]\.lastArchivedAt: missing: an archived image/],
    ['layers on an index', (index) => { index.layers = [{ digest: digest(101), size: 1 }]; }, /^repositories\[0\]\.images\[0\]\.layers: an image index stores no blobs/],
    ['an index listing itself through another index', (_, images) => { Object.assign(images[1], { imageManifestMediaType: OCI_INDEX, manifestDigests: [digest(10)] }); delete images[1].artifactMediaType; }, /^repositories\[0\]\.images\[0\]\.manifestDigests: an index cannot list itself, through other indexes either\nrepositories\[0\]\.images\[1\]\.manifestDigests: an index cannot list itself, through other indexes either$/],
    ['an image status DescribeImages reports only in passing', (_, images) => { images[4].imageStatus = 'ACTIVATING'; }, /^repositories\[0\]\.images\[4\]\.imageStatus: expected ACTIVE or ARCHIVED$/],
  ])('rejects %s with a line naming each path', (_, change, expected) => {
    const file = { pullThroughCacheRules: [], repositories: [multiPlatformRepository()] };
    const images = file.repositories[0].images as unknown as Record<string, unknown>[];
    change(images[0], images);
    expect(() => parseRegistry(file)).toThrow(expected);
  });

  it('accepts a fault for the lifecycle policy preview operations, which name a repository', () => {
    const file = valid();
    file.repositories[1].faults = { StartLifecyclePolicyPreview: 'ServerException', GetLifecyclePolicyPreview: 'AccessDeniedException' };
    expect(parseRegistry(file).repositories[1].faults).toEqual(file.repositories[1].faults);
  });

  it.each([
    ['GetLifecyclePolicy', 'LifecyclePolicyNotFoundException'],
    ['DeleteLifecyclePolicy', 'LifecyclePolicyNotFoundException'],
    ['DescribeImages', 'ImageNotFoundException'],
    ['BatchDeleteImage', 'ThrottlingException'],
    ['DescribeRepositories', 'AccessDeniedException'],
    ['PutLifecyclePolicy', 'ServiceUnavailable'],
  ])('accepts a %s fault of %s, an error it can return', (operation, error) => {
    const file = valid();
    file.repositories[0].faults = { [operation]: error };
    expect(parseRegistry(file).repositories[0].faults).toEqual({ [operation]: error });
  });

  it("knows each operation's own errors as the ECR model the AWS SDK is built from lists them", () => {
    const sdkCommands = path.join(path.dirname(require.resolve('@aws-sdk/client-ecr/package.json')), 'dist-types', 'commands');
    for (const operation of REPOSITORY_OPERATIONS) {
      const declared = readFileSync(path.join(sdkCommands, `${operation}Command.d.ts`), 'utf8');
      const documented = [...declared.matchAll(/@throws \{@link (\w+)\}/g)].map((m) => m[1]).filter((name) => name !== 'ECRServiceException');
      expect({ operation, errors: [...OPERATION_ERRORS[operation]].sort() }).toEqual({ operation, errors: documented.sort() });
    }
  });

  it('accepts the ROOT prefix and an ECR-to-ECR upstream', () => {
    const file = valid();
    file.pullThroughCacheRules.push({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: '210987654321.dkr.ecr.eu-west-1.amazonaws.com' });
    expect(parseRegistry(file).pullThroughCacheRules).toHaveLength(2);
  });

  it('names the top level when the file is not an object', () => {
    expect(() => parseRegistry([])).toThrow(/^\(top level\): expected object, received array$/);
  });
});

describe('readRegistryFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-registry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a valid file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(valid(), null, 2));
    expect(readRegistryFile(path).repositories[1].repositoryName).toBe('docker-hub/library/redis');
  });

  it('names the file and the problem in one line when the file is missing', () => {
    const path = join(dir, 'missing.json');
    expect(() => readRegistryFile(path)).toThrow(`${path}: cannot read registry file (ENOENT)`);
  });

  it('names the file in one line when it is not JSON', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{\n  "repositories": [\n');
    let message = '';
    try {
      readRegistryFile(path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.startsWith(`${path}: not valid JSON`)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('names every problem on a line of its own, each with the file and the path', () => {
    const path = join(dir, 'invalid.json');
    const file = valid() as Mutable;
    file.repositories[0].images![0].imagePushedAt = 'yesterday';
    file.repositories[2].lifecyclePolicyText = '{not json';
    (file.repositories[1] as Record<string, unknown>).imageCount = 3;
    (file.repositories[1] as Record<string, unknown>).tags = [];
    writeFileSync(path, JSON.stringify(file));
    expect(() => readRegistryFile(path)).toThrow(
      [
        `${path}: repositories[0].images[0].imagePushedAt: expected an ISO 8601 timestamp with a time zone`,
        `${path}: repositories[1].imageCount: unknown field`,
        `${path}: repositories[1].tags: unknown field`,
        `${path}: repositories[2].lifecyclePolicyText: policy text is not JSON`,
      ].join('\n'),
    );
  });

  it('names the file and the path of a problem', () => {
    const path = join(dir, 'invalid.json');
    const file = valid();
    file.repositories[0].images![0].imagePushedAt = 'yesterday';
    writeFileSync(path, JSON.stringify(file));
    expect(() => readRegistryFile(path)).toThrow(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: repositories\\[0\\]\\.images\\[0\\]\\.imagePushedAt: expected`),
    );
  });
});

describe('the demo registry', () => {
  it('gives every image a size, so the demo sweep reports the bytes it frees', () => {
    const demo = readRegistryFile(join(__dirname, '..', '..', 'fixtures', 'demo-registry.json'));
    const images = demo.repositories.flatMap((r) => r.images ?? []);
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((i) => i.imageSizeInBytes === undefined)).toEqual([]);
  });
});

describe('serializeRegistry', () => {
  it('gives back the file format it was read from', () => {
    const file = valid();
    const written = serializeRegistry(parseRegistry(file));
    expect(written).toEqual(file);
    expect(parseRegistry(JSON.parse(JSON.stringify(written)))).toEqual(parseRegistry(file));
  });
});
