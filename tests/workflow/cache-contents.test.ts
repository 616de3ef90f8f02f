// What each cache holds, as `sweep --json` reports it under `cache`, against sums worked out from the registry file
// alone: nested prefixes (a repository counts under the longest one it lies under), managed, left-alone and
// excluded repositories, images with and without sizes, for a dry run and for the real run after it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Registry, RegistryImage, RegistryRepository } from '../../local/ecr/registry-file';
import { runCli } from '../local/run-cli';
import { NOW, PERSONS_POLICY, TOOL_POLICY, daysBefore, digest, seededRandom } from './harness';

const PREFIXES = ['docker-hub', 'quay', 'team', 'team/cache'];
/** The settings file: team/cache keeps images pulled within 7 days instead of 30, and names excluded repositories. */
const UNPULLED_DAYS: Record<string, number> = { 'docker-hub': 30, quay: 30, team: 30, 'team/cache': 7 };
const SETTINGS_FILE = { prefixes: { 'team/cache': { unpulledDays: 7 } }, exclude: ['**/excluded-*'] };

function buildRegistry(): Registry {
  const random = seededRandom(20261202);
  let n = 0;
  const repositories: RegistryRepository[] = [];
  for (let r = 0; r < 80; r += 1) {
    // Some repositories lie under no prefix at all ("other"), and are in no cache.
    const prefix = [...PREFIXES, 'other'][random(5)];
    const images: RegistryImage[] = Array.from({ length: random(6) }, () => {
      n += 1;
      const pushed = 1 + random(120);
      const pulled = random(3) === 0 ? undefined : random(pushed);
      return {
        imageDigest: digest(n),
        imageTags: [`v${n}`],
        // A second apart within the day: no two images share a push time, which ECR's evaluation leaves undocumented.
        imagePushedAt: new Date(Date.parse(daysBefore(pushed)) - n * 1000).toISOString(),
        ...(pulled === undefined ? {} : { lastRecordedPullTime: daysBefore(pulled) }),
        ...(random(6) === 0 ? {} : { imageSizeInBytes: 1 + random(900_000_000) }),
      };
    });
    const policy = random(3);
    repositories.push({
      repositoryName: `${prefix}/${random(5) === 0 ? 'excluded-' : ''}app-${r}`,
      ...(policy === 1 ? { lifecyclePolicyText: TOOL_POLICY } : policy === 2 ? { lifecyclePolicyText: PERSONS_POLICY } : {}),
      ...(images.length > 0 ? { images } : {}),
    });
  }
  return {
    pullThroughCacheRules: PREFIXES.map((ecrRepositoryPrefix) => ({ ecrRepositoryPrefix, upstreamRegistryUrl: 'quay.io' })),
    repositories,
  };
}

type Figures = Record<string, number>;

/** The cache figures worked out from the registry file: no code of the tool is used. */
function expectedCache(registry: Registry): { prefixes: (Figures & { prefix: string })[]; total: Figures } {
  const zero = (): Figures => ({
    repositories: 0, managed: 0, leftAlone: 0, excluded: 0, imagesBefore: 0, bytesBefore: 0, imagesDeleted: 0, bytesDeleted: 0,
    policyImagesExpired: 0, policyBytesExpired: 0, imagesAfter: 0, bytesAfter: 0,
  });
  const byPrefix = new Map(PREFIXES.map((prefix) => [prefix, zero()]));
  const size = (images: RegistryImage[]) => images.reduce((sum, image) => sum + (image.imageSizeInBytes ?? 0), 0);
  for (const repository of registry.repositories) {
    const under = PREFIXES.filter((prefix) => repository.repositoryName.startsWith(`${prefix}/`));
    if (under.length === 0) continue;
    const prefix = under.sort((a, b) => b.length - a.length)[0];
    const f = byPrefix.get(prefix)!;
    f.repositories += 1;
    if (repository.repositoryName.includes('/excluded-')) {
      f.excluded += 1;
      continue;
    }
    const images = repository.images ?? [];
    f.imagesBefore += images.length;
    f.bytesBefore += size(images);
    if (repository.lifecyclePolicyText === PERSONS_POLICY) {
      f.leftAlone += 1;
      continue;
    }
    f.managed += 1;
    const cutoff = Date.parse(NOW) - UNPULLED_DAYS[prefix] * 86_400_000;
    const deleted = images.filter((image) => Date.parse(image.lastRecordedPullTime ?? image.imagePushedAt) < cutoff);
    f.imagesDeleted += deleted.length;
    f.bytesDeleted += size(deleted);
    // The tool's policy (keep the latest tagged image, every image here being tagged; keepInUse off) then expires
    // every image the sweep left but the most recently pushed.
    const left = images.filter((image) => !deleted.includes(image)).sort((a, b) => Date.parse(b.imagePushedAt) - Date.parse(a.imagePushedAt));
    f.policyImagesExpired += Math.max(0, left.length - 1);
    f.policyBytesExpired += size(left.slice(1));
  }
  const prefixes = PREFIXES.map((prefix): Figures & { prefix: string } => {
    const f = byPrefix.get(prefix)!;
    return { prefix, ...f, imagesAfter: f.imagesBefore - f.imagesDeleted, bytesAfter: f.bytesBefore - f.bytesDeleted } as unknown as Figures & { prefix: string };
  });
  const total = zero();
  for (const f of prefixes) for (const key of Object.keys(total)) total[key] += f[key];
  return { prefixes, total };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-cache-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what each cache holds', () => {
  const registry = buildRegistry();
  const expected = expectedCache(registry);

  it('is a registry worth measuring: every kind of repository under every prefix kind', () => {
    expect(expected.total.managed).toBeGreaterThan(10);
    expect(expected.total.leftAlone).toBeGreaterThan(5);
    expect(expected.total.excluded).toBeGreaterThan(2);
    expect(expected.total.imagesDeleted).toBeGreaterThan(10);
    expect(expected.prefixes.find((f) => f.prefix === 'team/cache')!.repositories).toBeGreaterThan(5);
    expect(expected.total.repositories).toBeLessThan(registry.repositories.length);
  });

  it('equals the sums of the registry file, per prefix and in total, in a dry run and in the real run after it', async () => {
    writeFileSync(path.join(dir, 'registry.json'), JSON.stringify(registry));
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(SETTINGS_FILE));
    const args = ['sweep', '--registry', path.join(dir, 'registry.json'), '--now', NOW, '--json', '--param', `settingsFile=${path.join(dir, 'settings.json')}`, '--param', 'keepInUse=false'];

    const dry = await runCli(...args, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).cache).toEqual(expected);

    const real = await runCli(...args, '--registry-out', path.join(dir, 'after.json'));
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout).cache).toEqual(expected);

    // What is left is what the registry then stores in the managed and left-alone repositories of each prefix.
    const after = JSON.parse(readFileSync(path.join(dir, 'after.json'), 'utf8')) as Registry;
    for (const { prefix, bytesAfter, imagesAfter } of expected.prefixes) {
      const held = after.repositories.filter(
        (r) =>
          r.repositoryName.startsWith(`${prefix}/`) &&
          !PREFIXES.some((longer) => longer.length > prefix.length && r.repositoryName.startsWith(`${longer}/`)) &&
          !r.repositoryName.includes('/excluded-'),
      );
      const images = held.flatMap((r) => r.images ?? []);
      expect({ prefix, imagesAfter: images.length, bytesAfter: images.reduce((sum, i) => sum + (i.imageSizeInBytes ?? 0), 0) }).toEqual({
        prefix,
        imagesAfter,
        bytesAfter,
      });
    }
  });

  it('reads as a table with human-readable sizes in the text summary', async () => {
    writeFileSync(path.join(dir, 'registry.json'), JSON.stringify(registry));
    const text = await runCli('sweep', '--registry', path.join(dir, 'registry.json'), '--now', NOW, '--dry-run');
    const table = text.stdout.slice(text.stdout.indexOf('What each cache holds'));
    const rows = table.split('\n').slice(2, 2 + PREFIXES.length + 1);
    expect(rows.map((row) => row.trim().split(/\s+/)[0])).toEqual([...PREFIXES, 'total']);
    expect(rows[rows.length - 1]).toMatch(/\d+ \/ [\d.]+ (B|KiB|MiB|GiB|TiB)\s*$/);
  });
});
