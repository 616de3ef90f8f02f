// The manifest JSON BatchGetImage answers with, built from an image's registry file fields the way a registry holds
// it (OCI image spec, Docker image manifest v2 schema 2): an index lists its manifests; an image manifest lists its
// config blob and layers; a referrer names its subject. Manifests are content: the same fields give the same bytes.
import { createHash } from 'node:crypto';
import { isImageIndex } from '../../functions/lib/lifecycle-evaluation';
import type { StoredImage } from './store';

/** What ECR reports for an image the file gives no media type: a Docker image manifest. */
export const DEFAULT_MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

interface Blob {
  digest: string;
  size: number;
}

interface Descriptor extends Blob {
  mediaType: string;
}

export function manifestMediaTypeOf(image: StoredImage): string {
  return image.imageManifestMediaType ?? DEFAULT_MANIFEST_MEDIA_TYPE;
}

/**
 * An image's blobs, its config first: its `layers` where the file gives them; otherwise an empty config and one
 * layer of its own whose size is ECR's imageSizeInBytes (0 when unknown), so that its blobs add up to ECR's size.
 */
function blobsOf(image: StoredImage): Blob[] {
  if (image.layers) return image.layers;
  return [
    { digest: sha256(''), size: 0 },
    { digest: sha256(`layer:${image.imageDigest}`), size: image.imageSizeInBytes ?? 0 },
  ];
}

/** The manifest of `image`; `imageOf` finds the images of its repository it refers to by digest. */
export function imageManifest(image: StoredImage, imageOf: (digest: string) => StoredImage | undefined): string {
  const mediaType = manifestMediaTypeOf(image);
  const descriptor = (digest: string): Descriptor => {
    const target = imageOf(digest);
    // A manifest the repository does not hold (a cache stores only those pulled), or a referrer's subject, gone up to
    // a day before it (ECR expires it after): what it was is then unknown.
    if (!target) return { mediaType: DEFAULT_MANIFEST_MEDIA_TYPE, digest, size: 0 };
    return { mediaType: manifestMediaTypeOf(target), digest, size: Buffer.byteLength(imageManifest(target, imageOf)) };
  };
  const subject = image.subjectManifestDigest === undefined ? {} : { subject: descriptor(image.subjectManifestDigest) };
  if (isImageIndex(image)) {
    return JSON.stringify({ schemaVersion: 2, mediaType, manifests: (image.manifestDigests ?? []).map(descriptor), ...subject });
  }
  const oci = mediaType !== DEFAULT_MANIFEST_MEDIA_TYPE;
  const [config, ...layers] = blobsOf(image);
  // ECR's artifactMediaType is a manifest's artifactType, or else its config's media type.
  const referrerType = image.subjectManifestDigest !== undefined ? image.artifactMediaType : undefined;
  const configType = (referrerType === undefined ? image.artifactMediaType : undefined) ?? (oci ? OCI_CONFIG : DOCKER_CONFIG);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    ...(referrerType === undefined ? {} : { artifactType: referrerType }),
    config: { mediaType: configType, ...config },
    layers: layers.map((layer) => ({ mediaType: oci ? OCI_LAYER : DOCKER_LAYER, ...layer })),
    ...subject,
  });
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
