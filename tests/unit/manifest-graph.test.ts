// How images relate through their manifests: which images pull-age expiry deletes and in which rounds, and what a
// repository stores and frees, counted in distinct blobs.
import { bytesFreed, planExpiry, storedBytes, type Blob, type ManifestImage } from '../../functions/lib/manifest-graph';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const blob = (name: string, size: number): Blob => ({ digest: `sha256:${name}`, size });

/** An image manifest with its blobs. */
function manifest(name: string, blobs: Blob[], extra: Partial<ManifestImage> = {}): ManifestImage {
  return { imageDigest: `sha256:${name}`, imageManifestMediaType: MANIFEST, blobs, imageSizeInBytes: blobs.reduce((n, b) => n + b.size, 0), ...extra };
}
function index(name: string, listed: string[], extra: Partial<ManifestImage> = {}): ManifestImage {
  return { imageDigest: `sha256:${name}`, imageManifestMediaType: INDEX, manifestDigests: listed.map((m) => `sha256:${m}`), imageSizeInBytes: 999, ...extra };
}
const names = (images: readonly ManifestImage[]) => images.map((image) => image.imageDigest.slice('sha256:'.length));
const unpulledAmong = (...unpulled: string[]) => (image: ManifestImage) => unpulled.includes(image.imageDigest.slice('sha256:'.length));

describe('which images pull-age expiry deletes', () => {
  it('deletes an unpulled index first and, a round later, the unpulled manifests only it lists', () => {
    const images = [index('idx', ['amd', 'arm']), manifest('amd', [blob('a1', 10)]), manifest('arm', [blob('r1', 10)])];
    const plan = planExpiry(images, unpulledAmong('idx', 'amd', 'arm'));
    expect(plan.rounds.map(names)).toEqual([['idx'], ['amd', 'arm']]);
    expect(plan).toMatchObject({ kept: [], exact: true });
  });

  it('never deletes a manifest an index that stays lists, however long nobody pulled it', () => {
    // Nodes of this architecture went away: its manifest is unpulled, its index is in use.
    const images = [index('idx', ['amd', 'arm']), manifest('amd', [blob('a1', 10)]), manifest('arm', [blob('r1', 10)])];
    expect(planExpiry(images, unpulledAmong('arm')).rounds).toEqual([]);
  });

  it('keeps a manifest of a deleted index that was pulled by digest within unpulledDays, and says why', () => {
    const images = [index('idx', ['amd', 'arm']), manifest('amd', [blob('a1', 10)]), manifest('arm', [blob('r1', 10)])];
    const plan = planExpiry(images, unpulledAmong('idx', 'arm'));
    expect(plan.rounds.map(names)).toEqual([['idx'], ['arm']]);
    expect(plan.kept.map(({ image, reason }) => [names([image])[0], reason])).toEqual([['amd', 'pulled within unpulledDays']]);
  });

  it('keeps a manifest that another index, one that stays, lists too', () => {
    const images = [index('old', ['shared', 'att']), index('new', ['shared']), manifest('shared', [blob('s', 10)]), manifest('att', [blob('t', 1)])];
    const plan = planExpiry(images, unpulledAmong('old', 'shared', 'att'));
    expect(plan.rounds.map(names)).toEqual([['old'], ['att']]);
    expect(plan.kept.map(({ image, reason }) => [names([image])[0], reason])).toEqual([['shared', 'listed by an image index that stays']]);
  });

  it('deletes a manifest two deleted indexes list once both are gone', () => {
    const images = [index('a', ['m']), index('b', ['m']), manifest('m', [blob('x', 1)])];
    expect(planExpiry(images, unpulledAmong('a', 'b', 'm')).rounds.map(names)).toEqual([['a', 'b'], ['m']]);
  });

  it('deletes an unpulled single-platform image in the first round, and never a referrer: ECR expires it with its subject', () => {
    const images = [
      manifest('single', [blob('x', 1)], { imageTags: ['1.0'] }),
      manifest('sig', [blob('s', 1)], { subjectManifestDigest: 'sha256:single', artifactMediaType: 'application/vnd.cncf.notary.signature' }),
    ];
    expect(planExpiry(images, unpulledAmong('single', 'sig')).rounds.map(names)).toEqual([['single']]);
  });

  it("where an index's manifests are unknown, deletes every unpulled image that is no index a round after the indexes, and says it is not exact", () => {
    const images = [
      { ...index('idx', []), manifestDigests: undefined },
      manifest('amd', [blob('a', 1)]),
      manifest('other', [blob('o', 1)], { imageTags: ['2.0'] }),
    ];
    const plan = planExpiry(images, unpulledAmong('idx', 'amd', 'other'));
    expect(plan.rounds.map(names)).toEqual([['idx'], ['amd', 'other']]);
    expect(plan.exact).toBe(false);
    expect(planExpiry(images, unpulledAmong('amd')).rounds.map(names)).toEqual([['amd']]);
  });
});

describe('stored bytes', () => {
  // Two versions sharing a base layer; an index over the newer one.
  const v1 = manifest('v1', [blob('config1', 1), blob('base', 100), blob('top1', 10)], { imageTags: ['1'] });
  const v2 = manifest('v2', [blob('config2', 1), blob('base', 100), blob('top2', 20)]);
  const idx = index('idx', ['v2'], { imageTags: ['2'], imageSizeInBytes: 121 });

  it('counts each blob a repository stores once, however many images reference it, and an index as nothing of its own', () => {
    expect(storedBytes([v1, v2, idx])).toBe(1 + 100 + 10 + 1 + 20);
  });

  it('frees only the blobs no image left references', () => {
    expect(bytesFreed([v1, v2, idx], new Set(['sha256:v1']))).toBe(11);
    expect(bytesFreed([v1, v2, idx], new Set(['sha256:idx']))).toBe(0);
    expect(bytesFreed([v1, v2, idx], new Set(['sha256:v1', 'sha256:v2', 'sha256:idx']))).toBe(132);
  });

  it("takes ECR's imageSizeInBytes where a manifest is unread: an upper bound, an index counted again", () => {
    const unread = [{ ...v1, blobs: undefined }, { ...v2, blobs: undefined }, { ...idx, manifestDigests: undefined }];
    expect(storedBytes(unread)).toBe(111 + 121 + 121);
    expect(bytesFreed(unread, new Set(['sha256:v1']))).toBe(111);
  });
});
