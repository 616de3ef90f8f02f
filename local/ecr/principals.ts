// Who calls the embedded ECR. Requests carry no identity but the access key id they are signed with, so a local
// client that should act as an IAM role or user signs with an access key id that spells that principal's ARN:
// a fixed prefix, then the ARN's UTF-8 bytes in uppercase hex. Any other access key id is an unknown principal.
// Stateless and reversible, so any client of any endpoint can be given a principal without registering it.

/** ECR's pattern for a pull time update exclusion's principal (an IAM role or user), as CloudFormation's
 *  AWS::ECR::PullTimeUpdateExclusion gives it, with its 200-character bound. */
export const PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)\/[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;
export const MAX_PRINCIPAL_ARN_LENGTH = 200;

const PREFIX = 'LOCAL';

export function isPrincipalArn(value: string): boolean {
  return value.length <= MAX_PRINCIPAL_ARN_LENGTH && PRINCIPAL_ARN.test(value);
}

/** The access key id a local client signs with to act as `principalArn`. */
export function accessKeyIdFor(principalArn: string): string {
  if (!isPrincipalArn(principalArn)) throw new Error(`not an IAM role or user ARN: ${principalArn}`);
  return PREFIX + Buffer.from(principalArn, 'utf8').toString('hex').toUpperCase();
}

/** The principal a request signed with `accessKeyId` acts as; undefined for an access key id of no principal. */
export function principalOf(accessKeyId: string): string | undefined {
  const hex = accessKeyId.startsWith(PREFIX) ? accessKeyId.slice(PREFIX.length) : '';
  if (!/^(?:[0-9A-F]{2})+$/.test(hex)) return undefined;
  const arn = Buffer.from(hex, 'hex').toString('utf8');
  return isPrincipalArn(arn) && accessKeyIdFor(arn) === accessKeyId ? arn : undefined;
}
