// What the tool's policy expires after a sweep and the count it keeps, worked out from a repository's images alone.
import { isInUse, policyOutlook } from '../../functions/lib/policy-expirations';
import type { ManifestImage } from '../../functions/lib/manifest-graph';

const REFERENCE = new Date('2026-11-28T00:00:00Z');
const daysBefore = (days: number) => new Date(REFERENCE.getTime() - days * 86_400_000);
/** Tagged with its name, pushed `pushed` days before the reference time, last pulled `pulled` days before it (or never). */
const image = (name: string, pushed: number, pulled?: number, bytes = 10, tags = [name]): ManifestImage => ({
  imageDigest: `sha256:${name}`,
  imageTags: tags,
  imagePushedAt: daysBefore(pushed),
  ...(pulled === undefined ? {} : { lastRecordedPullTime: daysBefore(pulled) }),
  imageSizeInBytes: bytes,
});
const digests = (images: readonly { imageDigest: string }[]) => images.map((i) => i.imageDigest.slice(7));

describe('an image in use', () => {
  it('was pulled within unpulledDays of the reference time, or never pulled and pushed within it', () => {
    expect(isInUse(image('a', 100, 29), REFERENCE, 30)).toBe(true);
    expect(isInUse(image('b', 100, 31), REFERENCE, 30)).toBe(false);
    expect(isInUse(image('c', 29), REFERENCE, 30)).toBe(true);
    expect(isInUse(image('d', 31), REFERENCE, 30)).toBe(false);
  });

  it('includes one used exactly at the cutoff, which the sweep keeps too', () => {
    expect(isInUse(image('edge', 100, 30), REFERENCE, 30)).toBe(true);
  });

  it('does not exist with unpulledDays 0: there is no window of use', () => {
    expect(isInUse(image('today', 0, 0), REFERENCE, 0)).toBe(false);
  });
});

describe("the tool's policy over the images a sweep leaves", () => {
  const left = [image('newest', 1, 1, 1), image('second', 5, 2, 2), image('third', 9, 3, 4), image('fourth', 20, 10, 8)];

  it('expires every image past keepImages, youngest push first, with their bytes and how many are in use', () => {
    const outlook = policyOutlook(left, { keepImages: 2, unpulledDays: 30, keepInUse: false }, REFERENCE);
    expect(outlook).toMatchObject({ keepImages: 2, policyBytesExpired: 12, policyImagesInUse: 2, policyNotes: [] });
    expect(digests(outlook.policyExpires)).toEqual(['third', 'fourth']);
    expect(outlook.policyExpires[0]).toEqual({
      imageDigest: 'sha256:third', imageTags: ['third'], imagePushedAt: daysBefore(9).toISOString(), lastRecordedPullTime: daysBefore(3).toISOString(),
      imageSizeInBytes: 4, inUse: true,
    });
  });

  it('with keepInUse keeps as many as are in use, and expires none of them', () => {
    const outlook = policyOutlook(left, { keepImages: 1, unpulledDays: 30, keepInUse: true }, REFERENCE);
    expect(outlook).toMatchObject({ keepImages: 4, policyExpires: [], policyBytesExpired: 0, policyImagesInUse: 0 });
  });

  it('with keepInUse still expires what is not in use once the count is reached', () => {
    // A stale image the sweep could not delete, pushed before every image in use.
    const outlook = policyOutlook([...left, image('stale', 100, 90)], { keepImages: 1, unpulledDays: 30, keepInUse: true }, REFERENCE);
    expect(outlook.keepImages).toBe(4);
    expect(digests(outlook.policyExpires)).toEqual(['stale']);
    expect(outlook.policyImagesInUse).toBe(0);
  });

  it('with keepInUse counts past a stale image pushed after one in use, so that none in use goes', () => {
    const outlook = policyOutlook([image('stale-but-new', 2, 60), image('used', 40, 1)], { keepImages: 1, unpulledDays: 30, keepInUse: true }, REFERENCE);
    expect(outlook).toMatchObject({ keepImages: 2, policyExpires: [] });
  });

  it('ranks tagged images only: an untagged image, a platform manifest or an image whose tag moved, is left to pull-age expiry', () => {
    const untagged = image('untagged', 50, 40, 16, []);
    const outlook = policyOutlook([...left, untagged], { keepImages: 1, unpulledDays: 30, keepInUse: false }, REFERENCE);
    expect(digests(outlook.policyExpires)).toEqual(['second', 'third', 'fourth']);
  });

  it('frees the stored bytes of the blobs only expiring images reference', () => {
    const blob = (digest: string, size: number) => ({ digest: `sha256:${digest}`, size });
    const newest = { ...image('newest', 1, 1), blobs: [blob('base', 100), blob('top1', 5)] };
    const older = { ...image('older', 9, 20), blobs: [blob('base', 100), blob('top2', 7)] };
    const outlook = policyOutlook([newest, older], { keepImages: 1, unpulledDays: 30, keepInUse: false }, REFERENCE);
    expect(digests(outlook.policyExpires)).toEqual(['older']);
    expect(outlook.policyBytesExpired).toBe(7);
  });

  it('with keepInUse never keeps fewer than keepImages', () => {
    expect(policyOutlook([image('used', 1, 1)], { keepImages: 3, unpulledDays: 30, keepInUse: true }, REFERENCE).keepImages).toBe(3);
    expect(policyOutlook([], { keepImages: 2, unpulledDays: 30, keepInUse: true }, REFERENCE)).toMatchObject({ keepImages: 2, policyExpires: [] });
  });
});
