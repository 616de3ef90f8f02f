import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  RepositoryNotFoundException,
  type BatchDeleteImageCommandInput,
  type BatchGetImageCommandInput,
  type DescribeImagesCommandInput,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { createLogger } from '../../../functions/lib/logger';
import { expireUnpulledImages } from '../../../functions/steps/expire-unpulled-images';
import { context, serviceError, configure } from './helpers';
import { rejectionOf } from '../../rejection';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

const REPOSITORY = 'docker-hub/library/nginx';
const REFERENCE = '2026-11-30T02:00:00.000Z';
// 30 days before REFERENCE.
const OLD = new Date('2026-10-01T00:00:00.000Z');
const RECENT = new Date('2026-11-20T00:00:00.000Z');

const unpulled = (digest: string): ImageDetail => ({ imageDigest: digest, imagePushedAt: OLD, lastRecordedPullTime: OLD });
const pulled = (digest: string): ImageDetail => ({ imageDigest: digest, imagePushedAt: OLD, lastRecordedPullTime: RECENT });
const digests = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `sha256:${prefix}${String(i).padStart(4, '0')}`);

/** Serves DescribeImages pages in order, recording each request as it was sent. */
function serveImages(pages: ImageDetail[][]): DescribeImagesCommandInput[] {
  const requests: DescribeImagesCommandInput[] = [];
  ecr.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    requests.push({ ...input });
    const index = requests.length - 1;
    if (index >= pages.length) throw new Error('asked for a page after the last');
    return { imageDetails: pages[index], nextToken: index + 1 < pages.length ? `page-${index + 2}` : undefined };
  });
  return requests;
}

/** BatchDeleteImage that deletes what it is asked to, except the failures given per digest. */
function serveDeletes(failures: Record<string, string> = {}): void {
  ecr.on(BatchDeleteImageCommand).callsFake((input: BatchDeleteImageCommandInput) => {
    const ids = input.imageIds ?? [];
    return {
      imageIds: ids.filter((id) => !failures[id.imageDigest!]),
      failures: ids
        .filter((id) => failures[id.imageDigest!])
        .map((id) => ({ imageId: id, failureCode: failures[id.imageDigest!], failureReason: 'refused' })),
    };
  });
}

const deletedDigests = () =>
  ecr.commandCalls(BatchDeleteImageCommand).map((call) => call.args[0].input.imageIds!.map((id) => id.imageDigest));

const input = { repositoryName: REPOSITORY, ecrRepositoryPrefixes: ['docker-hub'], lifecyclePolicy: 'MANAGED' as const, keptImages: 1 };
const expire = (dryRun = false) => expireUnpulledImages.run({ ...input, dryRun, referenceTime: REFERENCE }, context);

describe('expiring images nobody pulled', () => {
  it('reads every page of images, 1000 at a time', async () => {
    const requests = serveImages([[pulled('sha256:a')], [pulled('sha256:b')], [pulled('sha256:c')]]);
    expect(await expire()).toMatchObject({ imagesExpired: 0, bytesExpired: 0 });
    expect(requests).toEqual([
      { repositoryName: REPOSITORY, maxResults: 1000 },
      { repositoryName: REPOSITORY, maxResults: 1000, nextToken: 'page-2' },
      { repositoryName: REPOSITORY, maxResults: 1000, nextToken: 'page-3' },
    ]);
  });

  it('deletes only the images not pulled within 30 days, from every page', async () => {
    serveImages([
      [unpulled('sha256:old-1'), pulled('sha256:new-1')],
      [pulled('sha256:new-2'), { imageDigest: 'sha256:never-pulled', imagePushedAt: OLD }, { imageDigest: 'sha256:fresh', imagePushedAt: RECENT }],
    ]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 2, bytesExpired: 0 });
    const calls = ecr.commandCalls(BatchDeleteImageCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      repositoryName: REPOSITORY,
      imageIds: [{ imageDigest: 'sha256:old-1' }, { imageDigest: 'sha256:never-pulled' }],
    });
  });

  it('judges pull age against the reference time it is given, not the clock', async () => {
    serveImages([[{ imageDigest: 'sha256:x', imagePushedAt: new Date('2020-01-01T00:00:00Z'), lastRecordedPullTime: new Date('2020-01-10T00:00:00Z') }]]);
    serveDeletes();
    const result = await expireUnpulledImages.run({ ...input, dryRun: false, referenceTime: '2020-01-20T00:00:00Z' }, context);
    expect(result).toMatchObject({ imagesExpired: 0, bytesExpired: 0 });
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it("uses the stage's unpulledDays for the cutoff", async () => {
    configure({ unpulledDays: 7 });
    // 8 and 6 days before the reference time.
    serveImages([[
      { imageDigest: 'sha256:eight', lastRecordedPullTime: new Date('2026-11-22T02:00:00.000Z') },
      { imageDigest: 'sha256:six', lastRecordedPullTime: new Date('2026-11-24T02:00:00.000Z') },
    ]]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 1, bytesExpired: 0 });
    expect(deletedDigests()).toEqual([['sha256:eight']]);
  });

  it('deletes 250 images in calls of 100, 100 and 50', async () => {
    const old = digests('old', 250);
    serveImages([old.slice(0, 200).map(unpulled), [...old.slice(200).map(unpulled), pulled('sha256:keep')]]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 250, bytesExpired: 0 });
    const batches = deletedDigests();
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(old);
    expect(ecr.commandCalls(BatchDeleteImageCommand).every((c) => c.args[0].input.repositoryName === REPOSITORY)).toBe(true);
  });

  it('only counts in a dry run and deletes nothing', async () => {
    serveImages([[unpulled('sha256:a'), unpulled('sha256:b'), pulled('sha256:c')]]);
    serveDeletes();
    expect(await expire(true)).toMatchObject({ imagesExpired: 2, bytesExpired: 0 });
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it('makes no delete call when every image was pulled recently', async () => {
    serveImages([[pulled('sha256:a')]]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 0, bytesExpired: 0 });
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it('still describes the images when pull-age expiry is off, for what the policy will expire, and deletes none', async () => {
    configure({ unpulledDays: 0 });
    serveImages([[{ ...unpulled('sha256:a'), imageTags: ['1'] }, { ...unpulled('sha256:b'), imageTags: ['2'], imagePushedAt: RECENT }]]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 0, bytesExpired: 0, policyImagesExpired: 1 });
    expect(ecr.commandCalls(DescribeImagesCommand)).toHaveLength(1);
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it('measures what the repository stored before, from the same pages it reads for expiry', async () => {
    serveImages([[{ ...unpulled('sha256:a'), imageSizeInBytes: 1000 }, { ...unpulled('sha256:b'), imageSizeInBytes: 24 }], [pulled('sha256:c')]]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 2, bytesExpired: 1024, imagesBefore: 3, bytesBefore: 1024 });
  });

  it('counts only what ECR deleted and takes images already gone as no error', async () => {
    serveImages([[unpulled('sha256:a'), unpulled('sha256:gone'), unpulled('sha256:c')]]);
    serveDeletes({ 'sha256:gone': 'ImageNotFound' });
    expect(await expire()).toMatchObject({ imagesExpired: 2, bytesExpired: 0 });
  });

  it('counts an image once when ECR lists it under each of its tags', async () => {
    serveImages([[unpulled('sha256:two-tags'), unpulled('sha256:untagged')]]);
    ecr.on(BatchDeleteImageCommand).resolves({
      imageIds: [
        { imageDigest: 'sha256:two-tags', imageTag: '1.27' },
        { imageDigest: 'sha256:two-tags', imageTag: 'latest' },
        { imageDigest: 'sha256:untagged' },
      ],
      failures: [],
    });
    expect(await expire()).toMatchObject({ imagesExpired: 2, bytesExpired: 0 });
  });

  it('tries every batch and then ends with ImageDeleteFailed, with what it deleted, when an image could not be deleted', async () => {
    const old = digests('old', 250);
    serveImages([old.map(unpulled)]);
    serveDeletes({ [old[5]]: 'KmsError', [old[150]]: 'ImageNotFound', [old[200]]: 'ImageReferencedByManifestList' });
    const { error, imagesExpired } = await expire();
    expect(error?.Error).toBe('ImageDeleteFailed');
    expect(error?.Cause).toContain(REPOSITORY);
    expect(error?.Cause).toContain(old[5]);
    expect(error?.Cause).toMatch(/^1 image/);
    expect(imagesExpired).toBe(247);
    expect(deletedDigests().map((b) => b.length)).toEqual([100, 100, 50]);
  });

  it('throws ImageDeleteFailed when it deleted nothing, so that the step is tried again', async () => {
    serveImages([[unpulled('sha256:locked')]]);
    serveDeletes({ 'sha256:locked': 'KmsError' });
    expect((await rejectionOf(expire())).name).toBe('ImageDeleteFailed');
  });

  it('lets a deleted repository propagate as RepositoryNotFoundException', async () => {
    ecr.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));
    expect((await rejectionOf(expire())).name).toBe('RepositoryNotFoundException');
  });

  it('lets throttling of a delete propagate under its own name', async () => {
    serveImages([[unpulled('sha256:a')]]);
    ecr.on(BatchDeleteImageCommand).rejects(serviceError('ThrottlingException'));
    expect((await rejectionOf(expire())).name).toBe('ThrottlingException');
  });

  it('when a later delete call fails past its retries, returns what the calls before deleted with the error', async () => {
    serveImages([digests('x', 250).map(unpulled)]);
    let call = 0;
    ecr.on(BatchDeleteImageCommand).callsFake((request: BatchDeleteImageCommandInput) => {
      call += 1;
      if (call > 1) throw serviceError('ThrottlingException');
      return { imageIds: request.imageIds, failures: [] };
    });
    const output = await expire();
    expect(output).toMatchObject({ imagesExpired: 100, error: { Error: 'ThrottlingException', Cause: 'ThrottlingException from ECR' } });
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(2);
  });
});

/** The structured lines the step logs, by message. */
function logged(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  jest.spyOn(context.logger, 'info').mockImplementation((message: unknown, ...fields: unknown[]) => {
    lines.push(Object.assign({ message }, ...(fields as Record<string, unknown>[])));
  });
  return lines;
}

describe('the outcome of a repository', () => {
  afterEach(() => jest.restoreAllMocks());

  const sized = (digest: string, bytes: number, tag?: string): ImageDetail => ({ ...unpulled(digest), imageSizeInBytes: bytes, ...(tag ? { imageTags: [tag] } : {}) });

  it('adds up the sizes ECR gives of the images it deletes; an image without one adds nothing', async () => {
    serveImages([[sized('sha256:a', 1000), sized('sha256:b', 234), unpulled('sha256:no-size'), { ...pulled('sha256:kept'), imageSizeInBytes: 99 }]]);
    serveDeletes();
    expect(await expire()).toMatchObject({ imagesExpired: 3, bytesExpired: 1234 });
  });

  it('counts only the bytes of images ECR did delete', async () => {
    serveImages([[sized('sha256:a', 1000), sized('sha256:gone', 500)]]);
    serveDeletes({ 'sha256:gone': 'ImageNotFound' });
    expect(await expire()).toMatchObject({ imagesExpired: 1, bytesExpired: 1000 });
  });

  it('logs one line with every image a dry run would delete, and deletes nothing', async () => {
    const lines = logged();
    serveImages([[sized('sha256:a', 1000, '1.0'), pulled('sha256:kept')]]);
    serveDeletes();
    expect(await expireUnpulledImages.run({ ...input, lifecyclePolicy: 'NONE', dryRun: true, referenceTime: REFERENCE }, context)).toMatchObject({
      imagesExpired: 1, bytesExpired: 1000, imagesBefore: 2, bytesBefore: 1000,
    });
    expect(lines.filter((l) => l.message === 'repository outcome')).toEqual([
      expect.objectContaining({
        repositoryName: REPOSITORY,
        action: 'put-policy',
        dryRun: true,
        referenceTime: REFERENCE,
        imagesExpired: [{ imageDigest: 'sha256:a', imageTags: ['1.0'], imagePushedAt: OLD.toISOString(), lastRecordedPullTime: OLD.toISOString(), imageSizeInBytes: 1000 }],
        imagesExpiredCount: 1,
        bytesExpired: 1000,
      }),
    ]);
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  /** The fields Logs Insights discovers in a JSON line: one per leaf, each array element's fields its own. */
  function discoveredFields(value: unknown, path = ''): string[] {
    if (value === null || typeof value !== 'object') return [path];
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [path];
    return entries.flatMap(([key, child]) => discoveredFields(child, path === '' ? key : `${path}.${key}`));
  }

  it('splits the images of a repository of 1,000 over lines of fewer than 200 fields, each with the repository and the counts', async () => {
    const images = Array.from({ length: 1000 }, (_, i) => ({
      ...unpulled(`sha256:${String(i).padStart(64, '0')}`),
      imageSizeInBytes: 1000 + i,
      // Some images carry many tags, one more than a line holds alone.
      imageTags: Array.from({ length: i % 250 === 0 ? 200 : 1 + (i % 3) }, (_, t) => `v${i}.${t}`),
    }));
    serveImages([images.slice(0, 1000)]);
    serveDeletes();
    // Printed as on Lambda: the logger's own keys, and the Lambda context's that injectLambdaContext adds.
    const printed: Record<string, unknown>[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const text of String(chunk).split('\n').filter(Boolean)) printed.push(JSON.parse(text));
      return true;
    });
    const logger = createLogger();
    logger.appendKeys({
      cold_start: true, function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:ecr-lifecycle-manager-dev-expireUnpulledImages',
      function_memory_size: '256', function_name: 'ecr-lifecycle-manager-dev-expireUnpulledImages', function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
    });
    try {
      await expireUnpulledImages.run({ ...input, lifecyclePolicy: 'MANAGED', dryRun: true, referenceTime: REFERENCE }, { ...context, logger });
    } finally {
      stdout.mockRestore();
    }
    const lines = printed.filter((line) => line.message === 'repository outcome');
    expect(lines.length).toBeGreaterThan(1);
    const totalBytes = images.reduce((sum, image) => sum + image.imageSizeInBytes, 0);
    for (const [i, line] of lines.entries()) {
      expect(discoveredFields(line).length).toBeLessThan(200);
      expect(line).toMatchObject({ repositoryName: REPOSITORY, imagesExpiredCount: 1000, bytesExpired: totalBytes, part: i + 1, parts: lines.length });
      // The scalars come first, the lists last.
      const keys = Object.keys(line);
      expect(keys.slice(keys.indexOf('imagesExpired')).every((key) => Array.isArray(line[key]))).toBe(true);
    }
    // Every image is on some line, every tag of it too.
    const tags = new Map<string, Set<string>>();
    for (const line of lines) {
      for (const image of line.imagesExpired as { imageDigest: string; imageTags: string[] }[]) {
        tags.set(image.imageDigest, new Set([...(tags.get(image.imageDigest) ?? []), ...image.imageTags]));
      }
    }
    expect(tags.size).toBe(1000);
    for (const image of images) expect([...tags.get(image.imageDigest!)!].sort()).toEqual([...image.imageTags].sort());
  });

  it('lists in a real run the images ECR answered as deleted, and names the repository it managed', async () => {
    const lines = logged();
    serveImages([[sized('sha256:a', 10), sized('sha256:gone', 20)]]);
    serveDeletes({ 'sha256:gone': 'ImageNotFound' });
    await expire();
    const [line] = lines.filter((l) => l.message === 'repository outcome');
    expect(line).toMatchObject({ action: 'managed', dryRun: false, imagesExpiredCount: 1, bytesExpired: 10 });
    expect((line.imagesExpired as { imageDigest: string }[]).map((i) => i.imageDigest)).toEqual(['sha256:a']);
  });

  it('logs what it did delete as failed when an image could not be deleted', async () => {
    const lines = logged();
    serveImages([[sized('sha256:a', 10), sized('sha256:locked', 20)]]);
    serveDeletes({ 'sha256:locked': 'KmsError' });
    expect((await expire()).error?.Error).toBe('ImageDeleteFailed');
    expect(lines.filter((l) => l.message === 'repository outcome')).toEqual([
      expect.objectContaining({ action: 'failed', error: 'ImageDeleteFailed', imagesExpiredCount: 1, bytesExpired: 10 }),
    ]);
  });
});

describe("the tool's policy after the sweep: what ECR's next evaluation expires, and the count it keeps", () => {
  /** Pushed `days` days before REFERENCE, last pulled `pulledDays` days before it (or never). */
  const at = (days: number) => new Date(Date.parse(REFERENCE) - days * 86_400_000);
  const image = (digest: string, pushedDays: number, pulledDays?: number, bytes = 100): ImageDetail => ({
    imageDigest: digest,
    imageTags: [digest.slice('sha256:'.length)],
    imagePushedAt: at(pushedDays),
    ...(pulledDays === undefined ? {} : { lastRecordedPullTime: at(pulledDays) }),
    imageSizeInBytes: bytes,
  });
  // Newest push first: recent (in use), older (in use), oldest (in use), stale (not pulled for 40 days: deleted).
  const images = [image('sha256:recent', 2, 1, 10), image('sha256:older', 5, 3, 20), image('sha256:oldest', 9, 4, 40), image('sha256:stale', 60, 40, 80)];

  it('expires, past keepImages, the youngest-pushed-first images the sweep left, each marked in use or not', async () => {
    configure({ keepInUse: false });
    serveImages([images]);
    serveDeletes();
    const output = await expire();
    expect(deletedDigests()).toEqual([['sha256:stale']]);
    expect(output).toEqual({
      lifecyclePolicy: 'MANAGED',
      keepImages: 1,
      imagesBefore: 4,
      bytesBefore: 150,
      imagesExpired: 1,
      bytesExpired: 80,
      policyImagesExpired: 2,
      policyBytesExpired: 60,
      policyImagesInUse: 2,
      policyNotes: 0,
    });
  });

  it('gives the same figures in a dry run, where the images it would delete are left out as if deleted', async () => {
    configure({ keepInUse: false });
    serveImages([images]);
    expect(await expire(true)).toMatchObject({ imagesExpired: 1, policyImagesExpired: 2, policyBytesExpired: 60, policyImagesInUse: 2 });
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it('with keepInUse keeps a count of at least every image in use, and expires none of them', async () => {
    configure({ keepInUse: true });
    serveImages([images]);
    serveDeletes();
    expect(await expire()).toMatchObject({ lifecyclePolicy: 'OUTDATED', keepImages: 3, policyImagesExpired: 0, policyImagesInUse: 0 });
  });

  it('with keepInUse keeps the stored policy when its count is still the one needed', async () => {
    configure({ keepInUse: true });
    serveImages([images]);
    serveDeletes();
    expect(await expireUnpulledImages.run({ ...input, keptImages: 3, dryRun: false, referenceTime: REFERENCE }, context)).toMatchObject({
      lifecyclePolicy: 'MANAGED',
      keepImages: 3,
    });
  });

  it('with keepInUse never keeps fewer than keepImages', async () => {
    configure({ keepInUse: true, keepImages: 5 });
    serveImages([images]);
    serveDeletes();
    expect(await expire()).toMatchObject({ keepImages: 5, policyImagesExpired: 0 });
  });

  it('takes keepImages and keepInUse from the prefix of the repository in the settings file', async () => {
    configure({ repositorySettings: { prefixes: { 'docker-hub': { keepImages: 2, keepInUse: false } }, exclude: [] }, keepInUse: true });
    serveImages([images]);
    serveDeletes();
    expect(await expire()).toMatchObject({ lifecyclePolicy: 'OUTDATED', keepImages: 2, policyImagesExpired: 1, policyImagesInUse: 1 });
  });

  it('counts a tagged image the sweep could not delete among those the policy sees, and an untagged one not at all', async () => {
    configure({ keepInUse: true });
    // Pushed after every image in use, not pulled for 40 days, its delete refused: it stays and, tagged, takes a
    // place in the count, so the policy must keep one more to keep every image in use.
    const listed = image('sha256:listed', 1, 40);
    serveImages([[...images, listed]]);
    serveDeletes({ 'sha256:listed': 'ImageReferencedByManifestList' });
    expect(await expire()).toMatchObject({ keepImages: 4, imagesExpired: 1, policyImagesExpired: 0 });
    // Untagged (a platform manifest an index lists), the policy never ranks it.
    ecr.reset();
    serveImages([[...images, { ...listed, imageTags: undefined }]]);
    serveDeletes({ 'sha256:listed': 'ImageReferencedByManifestList' });
    expect(await expire()).toMatchObject({ keepImages: 3, imagesExpired: 1, policyImagesExpired: 0 });
  });

  it('for a repository without a policy says it must be put, with the count it needs', async () => {
    serveImages([images]);
    serveDeletes();
    // By default keepInUse: the three tagged images in use.
    expect(await expireUnpulledImages.run({ ...input, lifecyclePolicy: 'NONE', keptImages: null, dryRun: false, referenceTime: REFERENCE }, context)).toMatchObject({
      lifecyclePolicy: 'NONE',
      keepImages: 3,
    });
  });

  it('logs the images the policy will expire with the counts, the counts before the lists', async () => {
    configure({ keepInUse: false });
    const lines: Record<string, unknown>[] = [];
    jest.spyOn(context.logger, 'info').mockImplementation((message: unknown, ...fields: unknown[]) => {
      lines.push(Object.assign({ message }, ...(fields as Record<string, unknown>[])));
    });
    serveImages([images]);
    serveDeletes();
    await expire();
    jest.restoreAllMocks();
    const [line] = lines.filter((l) => l.message === 'repository outcome');
    expect(line).toMatchObject({ keepImages: 1, policyImagesExpired: 2, policyBytesExpired: 60, policyImagesInUse: 2, policyNotes: [] });
    expect(line.policyExpires).toEqual([
      { imageDigest: 'sha256:older', imageTags: ['older'], imagePushedAt: at(5).toISOString(), lastRecordedPullTime: at(3).toISOString(), imageSizeInBytes: 20, inUse: true },
      { imageDigest: 'sha256:oldest', imageTags: ['oldest'], imagePushedAt: at(9).toISOString(), lastRecordedPullTime: at(4).toISOString(), imageSizeInBytes: 40, inUse: true },
    ]);
    const keys = Object.keys(line);
    expect(keys.indexOf('policyImagesExpired')).toBeLessThan(keys.indexOf('imagesExpired'));
    expect(keys.indexOf('imagesExpiredCount')).toBeLessThan(keys.indexOf('policyExpires'));
  });
});

describe('a repository of image indexes, its manifests read', () => {
  const INDEX = 'application/vnd.oci.image.index.v1+json';
  const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const layer = (digest: string, size: number) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size });
  const config = (digest: string) => ({ mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 1 });
  // 1.0's index, unpulled, lists amd (unpulled) and arm (pulled by digest lately); 2.0's index, in use, lists amd2.
  // amd and amd2 share their base layer.
  const described: ImageDetail[] = [
    { imageDigest: 'sha256:idx1', imageTags: ['1.0'], imageManifestMediaType: INDEX, imagePushedAt: OLD, lastRecordedPullTime: OLD, imageSizeInBytes: 110 },
    { imageDigest: 'sha256:amd', imageManifestMediaType: MANIFEST, imagePushedAt: OLD, lastRecordedPullTime: OLD, imageSizeInBytes: 110 },
    { imageDigest: 'sha256:arm', imageManifestMediaType: MANIFEST, imagePushedAt: OLD, lastRecordedPullTime: RECENT, imageSizeInBytes: 70 },
    { imageDigest: 'sha256:idx2', imageTags: ['2.0'], imageManifestMediaType: INDEX, imagePushedAt: RECENT, lastRecordedPullTime: RECENT, imageSizeInBytes: 120 },
    { imageDigest: 'sha256:amd2', imageManifestMediaType: MANIFEST, imagePushedAt: RECENT, lastRecordedPullTime: RECENT, imageSizeInBytes: 120 },
  ];
  const manifests: Record<string, object> = {
    'sha256:idx1': { schemaVersion: 2, mediaType: INDEX, manifests: [{ digest: 'sha256:amd', size: 500 }, { digest: 'sha256:arm', size: 500 }] },
    'sha256:amd': { schemaVersion: 2, mediaType: MANIFEST, config: config('sha256:c1'), layers: [layer('sha256:base', 100), layer('sha256:top1', 10)] },
    'sha256:arm': { schemaVersion: 2, mediaType: MANIFEST, config: config('sha256:c2'), layers: [layer('sha256:armbase', 70)] },
    'sha256:idx2': { schemaVersion: 2, mediaType: INDEX, manifests: [{ digest: 'sha256:amd2', size: 500 }] },
    'sha256:amd2': { schemaVersion: 2, mediaType: MANIFEST, config: config('sha256:c3'), layers: [layer('sha256:base', 100), layer('sha256:top2', 20)] },
  };

  beforeEach(() => {
    context.readManifests = true;
    ecr.on(BatchGetImageCommand).callsFake((request: BatchGetImageCommandInput) => ({
      images: request.imageIds!.map(({ imageDigest }) => ({ imageId: { imageDigest }, imageManifest: JSON.stringify(manifests[imageDigest!]) })),
    }));
  });
  afterEach(() => {
    context.readManifests = false;
    jest.restoreAllMocks();
  });

  it('reads every manifest by digest, in calls of 100, and asks for the media types it knows', async () => {
    const many = digests('m', 150).map((digest): ImageDetail => ({ imageDigest: digest, imagePushedAt: RECENT }));
    serveImages([many]);
    await expire(true);
    const calls = ecr.commandCalls(BatchGetImageCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.imageIds!.length)).toEqual([100, 50]);
    expect(calls.flatMap((input) => input.imageIds!.map((id) => id.imageDigest))).toEqual(many.map((image) => image.imageDigest));
    expect(calls[0].acceptedMediaTypes).toEqual(expect.arrayContaining([INDEX, MANIFEST]));
  });

  it('deletes the index, then in a later call the manifest only it lists, and keeps the one pulled lately', async () => {
    configure({ keepInUse: false });
    serveImages([described]);
    serveDeletes();
    const lines = logged();
    const output = await expire();
    expect(deletedDigests()).toEqual([['sha256:idx1'], ['sha256:amd']]);
    // Stored bytes: the blobs only amd referenced (its config and top layer); the base layer stays with amd2.
    expect(output).toMatchObject({ imagesExpired: 2, bytesExpired: 11, imagesBefore: 5, bytesBefore: 1 + 100 + 10 + 1 + 70 + 1 + 20 });
    const [line] = lines.filter((l) => l.message === 'repository outcome');
    expect((line.imagesExpired as object[])[0]).toMatchObject({
      imageDigest: 'sha256:idx1',
      imageManifestMediaType: INDEX,
      manifests: [
        { imageDigest: 'sha256:amd', expired: true },
        { imageDigest: 'sha256:arm', expired: false, keptBecause: 'pulled within unpulledDays' },
      ],
    });
  });

  it('reads no manifest where the function is not excluded from pull time updates', async () => {
    context.readManifests = false;
    serveImages([described]);
    await expire(true);
    expect(ecr.commandCalls(BatchGetImageCommand)).toHaveLength(0);
  });
});
