import {
  ImageDeleteFailed,
  lastUsed,
  pullCutoff,
  isUnpulled,
  unexpectedDeleteFailures,
} from '../../functions/lib/unpulled-images';

const REFERENCE = new Date('2026-11-30T02:00:00.000Z');
// 30 days before the reference time, worked out by hand.
const CUTOFF_30_DAYS = new Date('2026-10-31T02:00:00.000Z');

describe('the pull-age cutoff', () => {
  it('lies the given number of whole days before the reference time', () => {
    expect(pullCutoff(REFERENCE, 30)).toEqual(CUTOFF_30_DAYS);
    expect(pullCutoff(REFERENCE, 1)).toEqual(new Date('2026-11-29T02:00:00.000Z'));
    expect(pullCutoff(new Date('2026-03-01T00:00:00.000Z'), 1)).toEqual(new Date('2026-02-28T00:00:00.000Z'));
  });

  it('is the reference time itself for zero days', () => {
    expect(pullCutoff(REFERENCE, 0)).toEqual(REFERENCE);
  });
});

describe('choosing the images nobody pulled', () => {
  const at = (iso: string) => new Date(iso);

  it('keeps an image last pulled exactly at the cutoff and deletes one pulled a millisecond earlier', () => {
    const images = [
      { imageDigest: 'sha256:at', imagePushedAt: at('2025-01-01T00:00:00Z'), lastRecordedPullTime: at('2026-10-31T02:00:00.000Z') },
      { imageDigest: 'sha256:before', imagePushedAt: at('2025-01-01T00:00:00Z'), lastRecordedPullTime: at('2026-10-31T01:59:59.999Z') },
    ];
    expect(images.filter((image) => isUnpulled(image, REFERENCE, 30)).map((i) => i.imageDigest)).toEqual(['sha256:before']);
  });

  it('judges a never-pulled image by when it was pushed', () => {
    const images = [
      { imageDigest: 'sha256:old-push', imagePushedAt: at('2026-09-01T00:00:00Z') },
      { imageDigest: 'sha256:new-push', imagePushedAt: at('2026-11-29T00:00:00Z') },
    ];
    expect(images.filter((image) => isUnpulled(image, REFERENCE, 30)).map((i) => i.imageDigest)).toEqual(['sha256:old-push']);
  });

  it('keeps an image pushed long ago but pulled recently', () => {
    const images = [{ imageDigest: 'sha256:x', imagePushedAt: at('2024-01-01T00:00:00Z'), lastRecordedPullTime: at('2026-11-20T00:00:00Z') }];
    expect(images.filter((image) => isUnpulled(image, REFERENCE, 30))).toEqual([]);
  });

  it('keeps an image with neither a push nor a pull time', () => {
    expect([{ imageDigest: 'sha256:x' }].filter((image) => isUnpulled(image, REFERENCE, 30))).toEqual([]);
  });

  it('deletes nothing when pull-age expiry is off', () => {
    const images = [{ imageDigest: 'sha256:x', imagePushedAt: at('2000-01-01T00:00:00Z'), lastRecordedPullTime: at('2000-01-01T00:00:00Z') }];
    expect(images.filter((image) => isUnpulled(image, REFERENCE, 0))).toEqual([]);
  });

  it('takes the pull time over the push time as last use', () => {
    expect(lastUsed({ imageDigest: 'd', imagePushedAt: at('2026-01-01T00:00:00Z'), lastRecordedPullTime: at('2026-02-01T00:00:00Z') })).toEqual(
      at('2026-02-01T00:00:00Z'),
    );
    expect(lastUsed({ imageDigest: 'd', imagePushedAt: at('2026-01-01T00:00:00Z') })).toEqual(at('2026-01-01T00:00:00Z'));
    expect(lastUsed({ imageDigest: 'd' })).toBeUndefined();
  });
});

describe('failures of a batch delete', () => {
  it('ignores images already gone or still referenced by a multi-platform image, and keeps every other failure', () => {
    const failures = [
      { imageId: { imageDigest: 'sha256:a' }, failureCode: 'ImageNotFound', failureReason: 'gone' },
      { imageId: { imageDigest: 'sha256:b' }, failureCode: 'ImageReferencedByManifestList', failureReason: 'in use' },
      { imageId: { imageDigest: 'sha256:c' }, failureCode: 'KmsError' },
      { imageId: { imageDigest: 'sha256:d' } },
    ];
    expect(unexpectedDeleteFailures(failures).map((f) => f.imageId?.imageDigest)).toEqual(['sha256:c', 'sha256:d']);
  });

  it('reports the count and the first failure under the error name ImageDeleteFailed', () => {
    const error = new ImageDeleteFailed('docker-hub/library/nginx', [
      { imageId: { imageDigest: 'sha256:b' }, failureCode: 'ImageReferencedByManifestList', failureReason: 'in use' },
      { imageId: { imageDigest: 'sha256:c' }, failureCode: 'KmsError' },
    ]);
    expect(error.name).toBe('ImageDeleteFailed');
    expect(error.message).toContain('2 image(s) in docker-hub/library/nginx');
    expect(error.message).toContain('sha256:b');
    expect(error.message).toContain('ImageReferencedByManifestList in use');
  });
});
