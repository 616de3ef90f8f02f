// Reading request members the way ECR checks them: a member of the wrong JSON type is a SerializationException,
// a value outside the model's constraints an InvalidParameterException in ECR's own wording.
import { REPOSITORY_NAME } from '../../functions/lib/cached-repositories';
import { invalidParameter, serialization } from './errors';

export { isObject } from '../../functions/lib/json';

export type Input = Record<string, unknown>;

export function optionalString(input: Input, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(`${member} must be a string`);
  return value;
}

export function requiredString(input: Input, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined) throw invalidParameter(member, 'Member must not be null');
  return value;
}

export function repositoryName(input: Input): string {
  const name = requiredString(input, 'repositoryName');
  checkRepositoryName(name, 'repositoryName');
  return name;
}

export function checkRepositoryName(name: string, member: string): void {
  if (name.length < 2) throw invalidParameter(member, 'Member must have length greater than or equal to 2');
  if (name.length > 256) throw invalidParameter(member, 'Member must have length less than or equal to 256');
  if (!REPOSITORY_NAME.test(name)) {
    throw invalidParameter(member, `Member must satisfy regular expression pattern: ${REPOSITORY_NAME.source.slice(1, -1)}`);
  }
}

/** A list member with the model's 1..max item bounds; undefined when the request leaves it out. */
export function optionalList(input: Input, member: string, max: number): unknown[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serialization(`${member} must be a list`);
  if (value.length < 1) throw invalidParameter(member, 'Member must have length greater than or equal to 1');
  if (value.length > max) throw invalidParameter(member, `Member must have length less than or equal to ${max}`);
  return value;
}

export function stringList(input: Input, member: string, max: number): string[] | undefined {
  const list = optionalList(input, member, max);
  if (list && !list.every((v): v is string => typeof v === 'string')) throw serialization(`${member} must be a list of strings`);
  return list as string[] | undefined;
}

export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

export function imageIdList(input: Input, max: number, required: boolean): ImageId[] | undefined {
  const list = optionalList(input, 'imageIds', max);
  if (list === undefined) {
    if (required) throw invalidParameter('imageIds', 'Member must not be null');
    return undefined;
  }
  return list.map((entry) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw serialization('imageIds must be a list of objects');
    const id = entry as Input;
    const imageId: ImageId = {};
    const digest = optionalString(id, 'imageDigest');
    const tag = optionalString(id, 'imageTag');
    if (digest !== undefined) imageId.imageDigest = digest;
    if (tag !== undefined) imageId.imageTag = tag;
    return imageId;
  });
}
