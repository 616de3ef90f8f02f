// What ECR's lifecycle evaluation expires after a sweep, on a generated registry of single-platform images with
// sizes, people's policies, an excluded prefix path and a repository deleted while the sweep runs: the dry run's
// plan lists exactly what ECR's documented rules give, the real run's plan is the dry run's, and playing ECR's next
// evaluation on the registry the real run leaves (evaluate-policies) expires exactly the plan's policyExpires, plus
// what people's own policies say. With keepInUse, no image in use goes, by the sweep or by the policy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Registry, RegistryImage, RegistryRepository } from '../../local/ecr/registry-file';
import { evaluatePolicies } from '../../local/evaluate-policies';
import { planRecorder, type Plan, type PlannedRepository } from '../../local/plan';
import { DOCKER_HUB, NOW, PERSONS_POLICY, QUAY, TOOL_POLICY, daysBefore, digest, onFirstCall, seededRandom, sweep } from './harness';

const DAY_MS = 86_400_000;
/** When evaluate-policies plays ECR's evaluation: within the 24 hours after the sweep. */
const A_DAY_LATER = new Date(Date.parse(NOW) + DAY_MS);
/** A person's count policy: the same rule as the tool's, without the tool's marker. */
const PERSONS_COUNT_POLICY = JSON.stringify({
  rules: [{ rulePriority: 1, description: 'keep the latest 2', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } }],
});
const SETTINGS_FILE = 'prefixes:\n  quay: { keepImages: 2, unpulledDays: 60 }\nexclude:\n  - docker-hub/excluded/*\n';
/** The settings each prefix's repositories get: the settings file's over the stage defaults. */
const PREFIX = { 'docker-hub': { keepImages: 1, unpulledDays: 30 }, quay: { keepImages: 2, unpulledDays: 60 } };
const DELETED = 'quay/lib/deleted';

function buildRegistry(): Registry {
  const random = seededRandom(20261202);
  let n = 0;
  const repositories: RegistryRepository[] = [];
  for (let r = 0; r < 48; r += 1) {
    const name = [`docker-hub/lib/app-${r}`, `quay/lib/app-${r}`, `docker-hub/excluded/app-${r}`][r % 3 === 2 ? 2 : random(2)];
    const images: RegistryImage[] = Array.from({ length: random(8) }, () => {
      n += 1;
      // Push times differ by the image number's fraction of a day: ECR documents no order for equal ones.
      const pushed = 1 + random(300) + n / 1000;
      const pulled = random(3) === 0 ? undefined : random(Math.floor(pushed));
      return {
        imageDigest: digest(n),
        ...(random(4) === 0 ? {} : { imageTags: [random(2) === 0 ? `v${n}` : `build-${n}`] }),
        imagePushedAt: daysBefore(pushed),
        ...(pulled === undefined ? {} : { lastRecordedPullTime: daysBefore(pulled) }),
        imageSizeInBytes: 1 + random(900_000_000),
      };
    });
    const policy = [undefined, undefined, TOOL_POLICY, PERSONS_POLICY, PERSONS_COUNT_POLICY][random(5)];
    repositories.push({ repositoryName: name, ...(policy ? { lifecyclePolicyText: policy } : {}), ...(images.length > 0 ? { images } : {}) });
  }
  repositories.push({ repositoryName: DELETED, images: [{ imageDigest: digest(9999), imagePushedAt: daysBefore(5), imageSizeInBytes: 5 }] });
  repositories.push({ repositoryName: 'team/app', images: [{ imageDigest: digest(9998), imagePushedAt: daysBefore(500) }] });
  return { pullThroughCacheRules: [DOCKER_HUB, QUAY], repositories };
}

// ECR's documented rules, written out here on their own: a rule selects by tag status (and tag prefix); an image is
// decided by the first rule, by priority, that selects it; imageCountMoreThan orders the rule's images youngest push
// first and expires those past the count; sinceImagePushed expires those pushed longer ago than its days.
interface Rule {
  rulePriority: number;
  selection: { tagStatus: string; tagPrefixList?: string[]; tagPatternList?: string[]; countType: string; countNumber: number };
}
/** A tagPatternList entry: `*` stands for any run of characters. */
const matches = (tag: string, pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(tag);
function ecrExpires(policyText: string, images: readonly RegistryImage[], now: Date): RegistryImage[] {
  const rules = (JSON.parse(policyText) as { rules: Rule[] }).rules.sort((a, b) => a.rulePriority - b.rulePriority);
  const selects = (rule: Rule, image: RegistryImage) => {
    const tags = image.imageTags ?? [];
    if (rule.selection.tagStatus === 'any') return true;
    if (rule.selection.tagStatus === 'untagged') return tags.length === 0;
    if (rule.selection.tagPatternList) return rule.selection.tagPatternList.every((pattern) => tags.some((tag) => matches(tag, pattern)));
    return (rule.selection.tagPrefixList ?? []).every((prefix) => tags.some((tag) => tag.startsWith(prefix)));
  };
  const expiredBy = (rule: Rule): Set<RegistryImage> => {
    const selected = images.filter((image) => selects(rule, image));
    if (rule.selection.countType === 'imageCountMoreThan') {
      return new Set([...selected].sort((a, b) => Date.parse(b.imagePushedAt) - Date.parse(a.imagePushedAt)).slice(rule.selection.countNumber));
    }
    return new Set(selected.filter((image) => Date.parse(image.imagePushedAt) < now.getTime() - rule.selection.countNumber * DAY_MS));
  };
  const marked = rules.map(expiredBy);
  return images.filter((image) => {
    const first = rules.findIndex((rule) => selects(rule, image));
    return first >= 0 && marked[first].has(image);
  });
}

const prefixOf = (name: string) => name.split('/')[0] as keyof typeof PREFIX;
const lastUse = (image: RegistryImage) => Date.parse(image.lastRecordedPullTime ?? image.imagePushedAt);
const inUse = (name: string, image: RegistryImage) => lastUse(image) >= Date.parse(NOW) - PREFIX[prefixOf(name)].unpulledDays * DAY_MS;
const isToolsOrNone = (r: RegistryRepository) => r.lifecyclePolicyText === undefined || r.lifecyclePolicyText === TOOL_POLICY;
/** Repositories the sweep manages: cached, not excluded, not deleted, with no policy or the tool's. */
const managed = (r: RegistryRepository) => /^(docker-hub|quay)\/lib\//.test(r.repositoryName) && r.repositoryName !== DELETED && isToolsOrNone(r);

/** The plan entry's policy expirations as ECR's rules give them: the tool's keep-N tagged over the images the sweep leaves. */
function expectedPolicyExpires(repository: RegistryRepository) {
  const settings = PREFIX[prefixOf(repository.repositoryName)];
  const left = (repository.images ?? []).filter((image) => inUse(repository.repositoryName, image));
  const selection = { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: settings.keepImages };
  const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection }] });
  return ecrExpires(policy, left, new Date(NOW))
    .map((image) => ({
      imageDigest: image.imageDigest,
      imageTags: image.imageTags ?? [],
      imagePushedAt: new Date(image.imagePushedAt).toISOString(),
      ...(image.lastRecordedPullTime ? { lastRecordedPullTime: new Date(image.lastRecordedPullTime).toISOString() } : {}),
      imageSizeInBytes: image.imageSizeInBytes,
      inUse: inUse(repository.repositoryName, image),
    }))
    .sort((a, b) => a.imageDigest.localeCompare(b.imageDigest));
}

let dir: string;
let settingsFile: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-policy-'));
  settingsFile = path.join(dir, 'settings.yml');
  writeFileSync(settingsFile, SETTINGS_FILE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One sweep with its plan; the repository DELETED goes before the first policy check is answered. */
async function plannedSweep(registry: Registry, options: { dryRun: boolean; keepInUse: boolean }) {
  const plan = planRecorder();
  const result = await sweep(registry, {
    input: { referenceTime: NOW, ...(options.dryRun ? { dryRun: true } : {}) },
    params: { settingsFile, keepInUse: String(options.keepInUse) },
    arrange: (endpoint) => onFirstCall(endpoint, 'GetLifecyclePolicy', () => endpoint.deleteRepository(DELETED)),
    onEvent: plan.onEvent,
    onLog: plan.onLog,
  });
  return { result, plan: plan.plan({ dryRun: options.dryRun, referenceTime: NOW, manifestsRead: true }) };
}

const byName = (plan: Plan) => new Map<string, PlannedRepository>(plan.repositories.map((entry) => [entry.repositoryName, entry]));
const sorted = <T extends { imageDigest: string }>(images: readonly T[] = []) => [...images].sort((a, b) => a.imageDigest.localeCompare(b.imageDigest));

/** The digests each repository holds in `before` and no longer in `after`. */
function gone(before: Registry, after: Registry): Map<string, string[]> {
  const left = new Map(after.repositories.map((r) => [r.repositoryName, new Set((r.images ?? []).map((i) => i.imageDigest))]));
  return new Map(
    before.repositories.map((r) => [r.repositoryName, (r.images ?? []).map((i) => i.imageDigest).filter((d) => !left.get(r.repositoryName)?.has(d)).sort()]),
  );
}

describe("the policy's expirations in the plan, and ECR's evaluation after the real run", () => {
  const registry = buildRegistry();
  let dry: Plan;
  let real: Plan;
  let swept: Registry;

  beforeAll(async () => {
    ({ plan: dry } = await plannedSweep(registry, { dryRun: true, keepInUse: false }));
    const done = await plannedSweep(registry, { dryRun: false, keepInUse: false });
    real = done.plan;
    swept = done.result.final;
    expect(done.result.execution.status).toBe('SUCCEEDED');
  }, 120_000);

  it('covers every kind of repository, and expirations of images in use', () => {
    const actions = new Set(dry.repositories.map((entry) => entry.action));
    expect([...actions].sort()).toEqual(['excluded', 'left-alone', 'managed', 'put-policy', 'skipped']);
    expect(registry.repositories.some((r) => !managed(r) && r.lifecyclePolicyText === PERSONS_COUNT_POLICY && (r.images?.length ?? 0) > 2)).toBe(true);
    expect(dry.policyImagesInUseCount).toBeGreaterThan(0);
  });

  it("lists for each repository under the tool's policy exactly what ECR's rules expire after the sweep, and nothing for the others", () => {
    const plan = byName(dry);
    let images = 0;
    let bytes = 0;
    let used = 0;
    for (const repository of registry.repositories.filter((r) => r.repositoryName.startsWith('docker-hub/') || r.repositoryName.startsWith('quay/'))) {
      const entry = plan.get(repository.repositoryName)!;
      if (!managed(repository)) {
        expect({ name: repository.repositoryName, policyExpires: entry.policyExpires, policyBytesExpired: entry.policyBytesExpired }).toEqual({ name: repository.repositoryName });
        continue;
      }
      const want = expectedPolicyExpires(repository);
      expect({ name: repository.repositoryName, policyExpires: sorted(entry.policyExpires) }).toEqual({ name: repository.repositoryName, policyExpires: want });
      const wantBytes = want.reduce((sum, image) => sum + image.imageSizeInBytes!, 0);
      expect(entry.policyBytesExpired).toBe(wantBytes);
      images += want.length;
      bytes += wantBytes;
      used += want.filter((image) => image.inUse).length;
    }
    expect({ policyImagesExpired: dry.policyImagesExpiredCount, policyBytesExpired: dry.policyBytesExpired, policyImagesInUse: dry.policyImagesInUseCount })
      .toEqual({ policyImagesExpired: images, policyBytesExpired: bytes, policyImagesInUse: used });
    expect(dry.policyNoteTexts).toBeUndefined();
  });

  it("is the real run's plan", () => {
    expect(real).toEqual({ ...dry, dryRun: false });
  });

  it("expires, a day later, exactly the plan's policyExpires, and in a person's repository what that person's policy says", () => {
    const evaluated = evaluatePolicies(swept, A_DAY_LATER).registry;
    const expired = gone(swept, evaluated);
    const plan = byName(real);
    for (const repository of swept.repositories) {
      const entry = plan.get(repository.repositoryName);
      const want =
        entry?.policyExpires !== undefined
          ? entry.policyExpires.map((image) => image.imageDigest)
          : repository.lifecyclePolicyText === undefined
            ? []
            : ecrExpires(repository.lifecyclePolicyText, repository.images ?? [], A_DAY_LATER).map((image) => image.imageDigest);
      expect({ name: repository.repositoryName, expired: expired.get(repository.repositoryName) }).toEqual({ name: repository.repositoryName, expired: want.sort() });
    }
    expect([...expired.values()].flat().length).toBeGreaterThan(real.policyImagesExpiredCount);
  });
});

describe('with keepInUse', () => {
  const registry = buildRegistry();

  it('keeps every image in use through the sweep and the evaluation after it, and the plan counts none in use expired', async () => {
    const { plan, result } = await plannedSweep(registry, { dryRun: false, keepInUse: true });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(plan.policyImagesInUseCount).toBe(0);
    const evaluated = evaluatePolicies(result.final, A_DAY_LATER).registry;
    const left = new Map(evaluated.repositories.map((r) => [r.repositoryName, new Set((r.images ?? []).map((i) => i.imageDigest))]));
    for (const repository of registry.repositories.filter(managed)) {
      const used = (repository.images ?? []).filter((image) => inUse(repository.repositoryName, image)).map((image) => image.imageDigest);
      const missing = used.filter((d) => !left.get(repository.repositoryName)?.has(d));
      expect({ name: repository.repositoryName, missing }).toEqual({ name: repository.repositoryName, missing: [] });
    }
    // Unpulled images still go, by the sweep.
    expect(plan.imagesExpiredCount).toBeGreaterThan(0);
  }, 120_000);
});
