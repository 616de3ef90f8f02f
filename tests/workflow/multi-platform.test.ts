// A registry built the way a pull-through cache fills: image indexes stored when a tag is pulled, their platform
// manifests stored after them as nodes pull them, tags that moved, manifests two indexes list, an architecture whose
// nodes went away, indexes listing manifests nobody pulled (so never stored), versions sharing layers, signatures.
// On it, with each keepInUse: the real run does exactly what the dry run's plan says; the bytes the plan says the
// sweep frees are the layers it frees, counted here from the registry files alone; after the sweep and ECR's next
// evaluation every repository's newest tag in use still resolves (with keepInUse, every tag in use); and reading
// manifests changes no pull time.
import type { Registry, RegistryImage, RegistryRepository } from '../../local/ecr/registry-file';
import { evaluatePolicies } from '../../local/evaluate-policies';
import { planRecorder, type Plan } from '../../local/plan';
import { DOCKER_HUB, NOW, QUAY, daysBefore, digest, seededRandom, sweep } from './harness';

const DAY_MS = 86_400_000;
const A_DAY_LATER = new Date(Date.parse(NOW) + DAY_MS);
const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'] as const;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

type Layer = { digest: string; size: number };

function cacheRegistry(): Registry {
  const random = seededRandom(20261207);
  let n = 0;
  const next = () => digest((n += 1));
  const layer = (min: number, spread: number): Layer => ({ digest: next(), size: min + random(spread) });
  /** When someone last pulled: lately (in use), months ago, or never (undefined). */
  const pullAge = (): number | undefined => [() => random(25), () => 40 + random(200), () => undefined][random(3)]();
  const repositories: RegistryRepository[] = [];

  for (let r = 0; r < 36; r += 1) {
    const images: RegistryImage[] = [];
    const base = { amd64: layer(20e6, 40e6), arm64: layer(20e6, 40e6) };
    const archGone = random(3) === 0;
    const versions = 1 + random(5);
    let newestIndex: RegistryImage | undefined;
    for (let v = 0; v < versions; v += 1) {
      // The index is stored when its tag is pulled; each platform manifest when a node asks for it, later.
      const stored = (versions - v) * (3 + random(40)) + random(1000) / 1000;
      const pulled = pullAge();
      const manifest = (arch: 'amd64' | 'arm64', pulledDaysAgo: number | undefined): RegistryImage => {
        const layers = [layer(1_000, 5_000), base[arch], layer(1e6, 30e6), layer(1e3, 5e6)];
        return {
          imageDigest: next(),
          imageSizeInBytes: layers.slice(1).reduce((sum, l) => sum + l.size, 0),
          imagePushedAt: daysBefore(stored - (1 + random(100)) / 1440),
          ...(pulledDaysAgo === undefined ? {} : { lastRecordedPullTime: daysBefore(pulledDaysAgo) }),
          imageManifestMediaType: MANIFEST,
          layers,
        };
      };
      const amd = manifest('amd64', pulled);
      const armPulled = archGone ? 60 + random(100) : pulled;
      const arm = random(4) === 0 ? undefined : manifest('arm64', armPulled);
      const unstored = next();
      const listed = [amd, ...(arm ? [arm] : [])];
      const index: RegistryImage = {
        imageDigest: next(),
        imageTags: [`1.${v}`],
        imageSizeInBytes: Math.max(...listed.map((m) => m.imageSizeInBytes!)),
        imagePushedAt: daysBefore(stored),
        ...(pulled === undefined ? {} : { lastRecordedPullTime: daysBefore(pulled) }),
        imageManifestMediaType: INDEX_TYPES[random(2)],
        // A platform nobody pulled is listed, never stored.
        manifestDigests: [...listed.map((m) => m.imageDigest), unstored],
      };
      images.push(index, ...listed);
      if (random(4) === 0) {
        // A second tag whose index lists the same platform manifests (another attestation, never fetched).
        images.push({ ...index, imageDigest: next(), imageTags: [`1.${v}.0`], imagePushedAt: daysBefore(stored - 0.2), manifestDigests: [...listed.map((m) => m.imageDigest), next()] });
      }
      newestIndex = index;
    }
    // `latest` moved at the newest version: the index it named before is untagged, its manifest still stored.
    if (random(2) === 0) {
      newestIndex!.imageTags = [...newestIndex!.imageTags!, 'latest'];
      const old = { ...images.find((image) => image.imageManifestMediaType !== MANIFEST)!, imageDigest: next(), imageTags: undefined };
      old.imagePushedAt = daysBefore(400);
      delete old.lastRecordedPullTime;
      images.push(old);
    }
    if (random(3) === 0) {
      images.push({
        imageDigest: next(),
        imagePushedAt: new Date(Date.parse(newestIndex!.imagePushedAt) + 60_000).toISOString(),
        imageManifestMediaType: MANIFEST,
        artifactMediaType: 'application/vnd.cncf.notary.signature',
        subjectManifestDigest: newestIndex!.imageDigest,
        imageSizeInBytes: 900,
        layers: [layer(100, 100), layer(500, 500)],
      });
    }
    repositories.push({ repositoryName: `docker-hub/library/app-${r}`, images });
  }

  for (let r = 0; r < 12; r += 1) {
    const shared = layer(10e6, 50e6);
    const images: RegistryImage[] = Array.from({ length: 1 + random(5) }, (_, v) => {
      const layers = [layer(1_000, 5_000), shared, layer(1e6, 20e6)];
      const pulled = pullAge();
      return {
        imageDigest: next(),
        imageTags: [`v${v}`],
        imageSizeInBytes: layers.slice(1).reduce((sum, l) => sum + l.size, 0),
        imagePushedAt: daysBefore(5 + random(300) + v / 1000),
        ...(pulled === undefined ? {} : { lastRecordedPullTime: daysBefore(pulled) }),
        layers,
      };
    });
    repositories.push({ repositoryName: `quay/lib/tool-${r}`, images });
  }
  return { pullThroughCacheRules: [DOCKER_HUB, QUAY], repositories };
}

const registry = cacheRegistry();
const IN_USE_SINCE = Date.parse(NOW) - 30 * DAY_MS;
const inUse = (image: RegistryImage) => Date.parse(image.lastRecordedPullTime ?? image.imagePushedAt) >= IN_USE_SINCE;
const isIndex = (image: RegistryImage) => image.manifestDigests !== undefined;

/** The blobs a repository stores, each once: every layer of every image it holds. */
function storedBlobs(images: readonly RegistryImage[] = []): Map<string, number> {
  return new Map(images.flatMap((image) => (image.layers ?? []).map((l) => [l.digest, l.size] as const)));
}
const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** Whether a tagged image still resolves in `after`: it is there, and so is every manifest it lists that was in use. */
function resolves(image: RegistryImage, before: readonly RegistryImage[], after: readonly RegistryImage[] = []): boolean {
  const left = new Set(after.map((i) => i.imageDigest));
  const listedInUse = before.filter((m) => image.manifestDigests?.includes(m.imageDigest) && inUse(m));
  return left.has(image.imageDigest) && listedInUse.every((m) => left.has(m.imageDigest));
}

async function plannedSweep(dryRun: boolean, keepInUse: boolean) {
  const plan = planRecorder();
  const result = await sweep(registry, {
    input: { referenceTime: NOW, ...(dryRun ? { dryRun: true } : {}) },
    params: { keepInUse: String(keepInUse) },
    onEvent: plan.onEvent,
    onLog: plan.onLog,
  });
  expect(result.execution.status).toBe('SUCCEEDED');
  return { result, plan: plan.plan({ dryRun, referenceTime: NOW, manifestsRead: true }) };
}

it('is built the way a cache fills', () => {
  const images = registry.repositories.flatMap((r) => r.images ?? []);
  const byDigest = new Map(images.map((image) => [image.imageDigest, image]));
  const manifestsOf = (index: RegistryImage) => index.manifestDigests!.flatMap((d) => byDigest.get(d) ?? []);
  const indexes = images.filter(isIndex);
  expect(indexes.some((index) => manifestsOf(index).some((m) => Date.parse(m.imagePushedAt) > Date.parse(index.imagePushedAt)))).toBe(true);
  expect(indexes.some((index) => index.manifestDigests!.some((d) => !byDigest.has(d)))).toBe(true);
  expect(indexes.some((index) => inUse(index) && manifestsOf(index).some((m) => !inUse(m)))).toBe(true);
  expect(new Set(indexes.flatMap((index) => index.manifestDigests!)).size).toBeLessThan(indexes.flatMap((index) => index.manifestDigests!).length);
  expect(indexes.some((index) => index.imageTags === undefined)).toBe(true);
  expect(images.some((image) => image.subjectManifestDigest !== undefined)).toBe(true);
  const layers = images.flatMap((image) => (image.layers ?? []).map((l) => l.digest));
  expect(new Set(layers).size).toBeLessThan(layers.length);
});

describe.each([true, false])('with keepInUse=%s', (keepInUse) => {
  let dry: Plan;
  let real: Plan;
  let swept: Registry;
  let evaluated: Registry;

  beforeAll(async () => {
    dry = (await plannedSweep(true, keepInUse)).plan;
    const done = await plannedSweep(false, keepInUse);
    real = done.plan;
    swept = done.result.final;
    evaluated = evaluatePolicies(swept, A_DAY_LATER).registry;
  }, 120_000);

  it('deletes in the real run exactly what the dry run planned, image for image and byte for byte', () => {
    expect(dry.imagesExpiredCount).toBeGreaterThan(0);
    expect(dry.repositories.some((r) => r.imagesExpired.some((image) => image.manifests?.some((m) => m.expired)))).toBe(true);
    expect(real).toEqual({ ...dry, dryRun: false });
  });

  it('says it frees the bytes of the layers that no image left in a repository uses', () => {
    const after = new Map(swept.repositories.map((r) => [r.repositoryName, r.images]));
    const freed = sum(registry.repositories.map((r) => {
      const left = storedBlobs(after.get(r.repositoryName));
      return sum([...storedBlobs(r.images)].filter(([blob]) => !left.has(blob)).map(([, size]) => size));
    }));
    const imageSizes = sum(real.repositories.flatMap((r) => r.imagesExpired.map((image) => image.imageSizeInBytes ?? 0)));
    expect(real.bytesExpired).toBe(freed);
    // ECR's image sizes count an index as its largest manifest, and shared layers once per image.
    expect(imageSizes).toBeGreaterThan(freed);
  });

  it("says what ECR's evaluation then frees, in the same bytes", () => {
    const after = new Map(evaluated.repositories.map((r) => [r.repositoryName, r.images]));
    const freed = sum(swept.repositories.map((r) => {
      const left = storedBlobs(after.get(r.repositoryName));
      return sum([...storedBlobs(r.images)].filter(([blob]) => !left.has(blob)).map(([, size]) => size));
    }));
    expect(real.policyBytesExpired).toBe(freed);
  });

  it("keeps every repository's newest tag in use resolving, through the sweep and ECR's evaluation", () => {
    const after = new Map(evaluated.repositories.map((r) => [r.repositoryName, r.images]));
    let checked = 0;
    for (const repository of registry.repositories) {
      const tagged = (repository.images ?? []).filter((image) => (image.imageTags ?? []).length > 0);
      const newest = tagged.sort((a, b) => Date.parse(b.imagePushedAt) - Date.parse(a.imagePushedAt))[0];
      if (!newest || !inUse(newest)) continue;
      checked += 1;
      expect({ repository: repository.repositoryName, resolves: resolves(newest, repository.images!, after.get(repository.repositoryName)) }).toEqual({
        repository: repository.repositoryName,
        resolves: true,
      });
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('changes no pull time: the manifests are read as a role excluded from pull time updates', () => {
    const pullTimes = (r: Registry) => new Map(r.repositories.flatMap((repo) => (repo.images ?? []).map((i) => [i.imageDigest, i.lastRecordedPullTime])));
    const before = pullTimes(registry);
    for (const [imageDigest, pulled] of pullTimes(swept)) expect({ imageDigest, pulled }).toEqual({ imageDigest, pulled: before.get(imageDigest) });
  });

  if (keepInUse) {
    it('keeps every tag in use resolving, and the plan counts no image in use expired', () => {
      const after = new Map(evaluated.repositories.map((r) => [r.repositoryName, r.images]));
      for (const repository of registry.repositories) {
        for (const image of (repository.images ?? []).filter((i) => (i.imageTags ?? []).length > 0 && inUse(i))) {
          expect({ tag: `${repository.repositoryName}:${image.imageTags![0]}`, resolves: resolves(image, repository.images!, after.get(repository.repositoryName)) }).toEqual({
            tag: `${repository.repositoryName}:${image.imageTags![0]}`,
            resolves: true,
          });
        }
      }
      expect(real.policyImagesInUseCount).toBe(0);
    });
  }
});
