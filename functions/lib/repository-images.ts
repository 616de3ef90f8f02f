// Every image a repository stores, as DescribeImages gives them page by page (IMAGE_PAGE_SIZE a call, so a
// repository of N images takes ceil(N / 1000) calls, at least one), and what they come to: the figures of a cache
// that a sweep reports before it deletes anything.
import { paginateDescribeImages, type ECRClient, type ImageDetail } from '@aws-sdk/client-ecr';
import { IMAGE_PAGE_SIZE } from './limits';
import { bytesOf } from './repository-outcome';

export type StoredImage = ImageDetail & { imageDigest: string };

export async function describeAllImages(ecr: ECRClient, repositoryName: string): Promise<StoredImage[]> {
  const images: StoredImage[] = [];
  for await (const page of paginateDescribeImages({ client: ecr, pageSize: IMAGE_PAGE_SIZE }, { repositoryName })) {
    for (const d of page.imageDetails ?? []) {
      if (d.imageDigest) images.push({ ...d, imageDigest: d.imageDigest });
    }
  }
  return images;
}

/** What a repository stores before the sweep deletes anything: its images, and their imageSizeInBytes summed. */
export interface StoredFigures {
  imagesBefore: number;
  bytesBefore: number;
}

export function storedFigures(images: readonly { imageSizeInBytes?: number }[]): StoredFigures {
  return { imagesBefore: images.length, bytesBefore: bytesOf(images) };
}
