// The plan (`sweep --plan`) as a person relies on it: a dry run lists exactly what an independent reading of the
// registry file expects, and the real run that follows with the same --now deletes exactly the images the plan
// lists and puts the tool's policy exactly where it says, on a registry with sizes, faults and people's policies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../local/cli';
import type { Registry, RegistryImage, RegistryRepository } from '../../local/ecr/registry-file';
import { DOCKER_HUB, NOW, PERSONS_POLICY, QUAY, TOOL_POLICY, daysBefore, digest, seededRandom } from './harness';

interface PlannedImage {
  imageDigest: string;
  imageSizeInBytes?: number;
}
interface Planned {
  repositoryName: string;
  action: string;
  imagesExpired: PlannedImage[];
  bytesExpired: number;
  error?: string;
}
interface Plan {
  referenceTime: string;
  dryRun: boolean;
  imagesExpiredCount: number;
  bytesExpired: number;
  repositories: Planned[];
}

const READ_FAULTS = ['GetLifecyclePolicy', 'DescribeImages'];
const WRITE_FAULTS = ['PutLifecyclePolicy', 'BatchDeleteImage'];

function buildRegistry(): Registry {
  const random = seededRandom(20261128);
  let n = 0;
  const repositories: RegistryRepository[] = [];
  for (let r = 0; r < 60; r += 1) {
    const prefix = ['docker-hub', 'quay', 'team'][random(3)];
    const images: RegistryImage[] = Array.from({ length: random(5) }, () => {
      n += 1;
      const pushed = 1 + random(400);
      const pulled = random(3) === 0 ? undefined : random(pushed);
      return {
        imageDigest: digest(n),
        ...(random(4) === 0 ? {} : { imageTags: [`v${n}`] }),
        imagePushedAt: daysBefore(pushed),
        ...(pulled === undefined ? {} : { lastRecordedPullTime: daysBefore(pulled) }),
        // Most images have a size, some do not, as a file without sizes must keep working.
        ...(random(5) === 0 ? {} : { imageSizeInBytes: random(2_000_000_000) }),
      };
    });
    const policy = random(4);
    const fault = random(10);
    repositories.push({
      repositoryName: `${prefix}/library/app-${r}`,
      ...(policy === 1 ? { lifecyclePolicyText: TOOL_POLICY } : policy === 2 ? { lifecyclePolicyText: PERSONS_POLICY } : {}),
      ...(images.length > 0 ? { images } : {}),
      ...(fault < 4 ? { faults: { [[...READ_FAULTS, ...WRITE_FAULTS][fault]]: 'AccessDeniedException' } } : {}),
    });
  }
  return { pullThroughCacheRules: [DOCKER_HUB, QUAY], repositories };
}

/** What the dry run should say, worked out from the file alone. */
function independentPlan(registry: Registry): Map<string, Planned> {
  const cutoff = Date.parse(NOW) - 30 * 86_400_000;
  const prefixes = registry.pullThroughCacheRules.map((rule) => `${rule.ecrRepositoryPrefix}/`);
  const expected = new Map<string, Planned>();
  for (const repository of registry.repositories) {
    if (!prefixes.some((prefix) => repository.repositoryName.startsWith(prefix))) continue;
    const fault = Object.keys(repository.faults ?? {})[0];
    const own = repository.lifecyclePolicyText !== undefined && repository.lifecyclePolicyText !== TOOL_POLICY;
    const base = { repositoryName: repository.repositoryName, imagesExpired: [], bytesExpired: 0 };
    if (fault === 'GetLifecyclePolicy') expected.set(repository.repositoryName, { ...base, action: 'failed', error: 'AccessDeniedException' });
    // A repository left alone is still read, for what its cache holds: DescribeImages failing fails it.
    else if (own && fault === 'DescribeImages') expected.set(repository.repositoryName, { ...base, action: 'failed', error: 'AccessDeniedException' });
    else if (own) expected.set(repository.repositoryName, { ...base, action: 'left-alone' });
    else if (fault === 'DescribeImages') expected.set(repository.repositoryName, { ...base, action: 'failed', error: 'AccessDeniedException' });
    else {
      const images = (repository.images ?? []).filter((image) => Date.parse(image.lastRecordedPullTime ?? image.imagePushedAt) < cutoff);
      expected.set(repository.repositoryName, {
        repositoryName: repository.repositoryName,
        action: repository.lifecyclePolicyText === TOOL_POLICY ? 'managed' : 'put-policy',
        imagesExpired: images.map(({ imageDigest, imageSizeInBytes }) => ({ imageDigest, imageSizeInBytes })),
        bytesExpired: images.reduce((sum, image) => sum + (image.imageSizeInBytes ?? 0), 0),
      });
    }
  }
  return expected;
}

class Collect extends Writable {
  text = '';
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-plan-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sweepWithPlan(registryFile: string, name: string, ...args: string[]): Promise<{ plan: Plan; code: number }> {
  const out = new Collect();
  const err = new Collect();
  const planFile = path.join(dir, `${name}.json`);
  const code = await main(['node', 'ecr-lifecycle', 'sweep', '--registry', registryFile, '--now', NOW, '--plan', planFile, ...args], { out, err });
  return { code, plan: JSON.parse(readFileSync(planFile, 'utf8')) as Plan };
}

const byName = (plan: Plan) => new Map(plan.repositories.map((entry) => [entry.repositoryName, entry]));
const digests = (entry: Planned | undefined) => (entry?.imagesExpired ?? []).map((image) => image.imageDigest).sort();

describe('the plan of a dry run, and the real run after it', () => {
  const registry = buildRegistry();
  const expected = independentPlan(registry);
  let dry: Plan;
  let real: Plan;
  let after: Registry;

  beforeAll(async () => {
    const registryFile = path.join(dir, 'registry.json');
    const afterFile = path.join(dir, 'after.json');
    writeFileSync(registryFile, JSON.stringify(registry));
    ({ plan: dry } = await sweepWithPlan(registryFile, 'dry', '--dry-run'));
    ({ plan: real } = await sweepWithPlan(registryFile, 'real', '--registry-out', afterFile));
    after = JSON.parse(readFileSync(afterFile, 'utf8')) as Registry;
  }, 120_000);

  it('covers a registry with every kind of repository', () => {
    const actions = new Set([...expected.values()].map((entry) => entry.action));
    expect([...actions].sort()).toEqual(['failed', 'left-alone', 'managed', 'put-policy']);
    const faulted = registry.repositories.filter((r) => r.faults).map((r) => Object.keys(r.faults!)[0]);
    expect(new Set(faulted)).toEqual(new Set([...READ_FAULTS, ...WRITE_FAULTS]));
    // A refused write where there was something to change.
    const faultOf = (name: string) => Object.keys(registry.repositories.find((r) => r.repositoryName === name)?.faults ?? {})[0];
    expect([...expected.values()].some((entry) => entry.imagesExpired.length > 0 && faultOf(entry.repositoryName) === 'BatchDeleteImage')).toBe(true);
    expect([...expected.values()].some((entry) => entry.action === 'put-policy' && faultOf(entry.repositoryName) === 'PutLifecyclePolicy')).toBe(true);
  });

  it('lists exactly what an independent reading of the registry file expects, with the byte totals', () => {
    expect(dry).toMatchObject({ referenceTime: NOW, dryRun: true });
    expect([...byName(dry).keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, entry] of byName(dry)) {
      const want = expected.get(name)!;
      const { action, error, bytesExpired } = entry;
      expect({ name, action, error, bytesExpired }).toEqual({ name, action: want.action, error: want.error, bytesExpired: want.bytesExpired });
      expect(entry.imagesExpired.map(({ imageDigest, imageSizeInBytes }) => ({ imageDigest, imageSizeInBytes })).sort((a, b) => a.imageDigest.localeCompare(b.imageDigest)))
        .toEqual([...want.imagesExpired].sort((a, b) => a.imageDigest.localeCompare(b.imageDigest)));
    }
    const wantBytes = [...expected.values()].reduce((sum, entry) => sum + entry.bytesExpired, 0);
    expect(dry.bytesExpired).toBe(wantBytes);
    expect(dry.imagesExpiredCount).toBe([...expected.values()].reduce((sum, entry) => sum + entry.imagesExpired.length, 0));
  });

  it('is what the real run does, except where ECR refuses the change itself', () => {
    const realByName = byName(real);
    expect([...realByName.keys()].sort()).toEqual([...byName(dry).keys()].sort());
    for (const [name, planned] of byName(dry)) {
      const done = realByName.get(name)!;
      const fault = Object.keys(registry.repositories.find((r) => r.repositoryName === name)!.faults ?? {})[0];
      const refused =
        (fault === 'PutLifecyclePolicy' && planned.action === 'put-policy') || (fault === 'BatchDeleteImage' && planned.imagesExpired.length > 0);
      if (refused) {
        // The images go first, then the policy: a refused delete leaves both undone; a refused put, the images gone.
        const images = fault === 'PutLifecyclePolicy' ? digests(planned) : [];
        expect({ name, action: done.action, error: done.error, images: digests(done) })
          .toEqual({ name, action: 'failed', error: 'AccessDeniedException', images });
      } else {
        expect({ name, action: done.action, images: digests(done), bytes: done.bytesExpired })
          .toEqual({ name, action: planned.action, images: digests(planned), bytes: planned.bytesExpired });
      }
    }
  });

  it('deletes exactly the images its plan lists, and their bytes are those the registry file gives', () => {
    const realByName = byName(real);
    let bytes = 0;
    for (const repository of registry.repositories) {
      const listed = new Set(digests(realByName.get(repository.repositoryName)));
      const remaining = after.repositories.find((r) => r.repositoryName === repository.repositoryName)?.images ?? [];
      const gone = (repository.images ?? []).filter((image) => !remaining.some((kept) => kept.imageDigest === image.imageDigest));
      expect({ name: repository.repositoryName, gone: gone.map((image) => image.imageDigest).sort() }).toEqual({ name: repository.repositoryName, gone: [...listed].sort() });
      bytes += gone.reduce((sum, image) => sum + (image.imageSizeInBytes ?? 0), 0);
    }
    expect(real.bytesExpired).toBe(bytes);
    expect(bytes).toBeGreaterThan(0);
  });

  it('puts the tool policy exactly where the dry run said it would, and changes no other policy', () => {
    const dryByName = byName(dry);
    for (const repository of registry.repositories) {
      const policy = after.repositories.find((r) => r.repositoryName === repository.repositoryName)?.lifecyclePolicyText;
      const planned = dryByName.get(repository.repositoryName);
      // A refused delete fails the repository before its policy is put.
      const refusedDelete = repository.faults?.BatchDeleteImage !== undefined && (planned?.imagesExpired.length ?? 0) > 0;
      const put = planned?.action === 'put-policy' && !repository.faults?.PutLifecyclePolicy && !refusedDelete;
      expect({ name: repository.repositoryName, policy }).toEqual({ name: repository.repositoryName, policy: put ? TOOL_POLICY : repository.lifecyclePolicyText });
    }
  });
});
