// The access key ids that make a client of the embedded ECR act as an IAM role or user.
import { accessKeyIdFor, principalOf } from '../../local/ecr/principals';

const READER = 'arn:aws:iam::123456789012:role/ecr-lifecycle-manager-read-manifests';

describe('the access key id a principal signs with', () => {
  it('spells the principal in uppercase letters and digits, and reads back as that principal', () => {
    for (const arn of [READER, 'arn:aws-cn:iam::123456789012:user/path/to/ci@example.com']) {
      const accessKeyId = accessKeyIdFor(arn);
      expect(accessKeyId).toMatch(/^[A-Z0-9]+$/);
      expect(principalOf(accessKeyId)).toBe(arn);
    }
  });

  it('reads any other access key id as an unknown principal', () => {
    const valid = accessKeyIdFor(READER);
    for (const other of ['AKIAIOSFODNN7EXAMPLE', 'embedded', valid.toLowerCase(), valid.slice(0, -1), `${valid}00`, accessKeyIdFor(READER).replace(/^[A-Z]+/, '')]) {
      expect(principalOf(other)).toBeUndefined();
    }
  });

  it('refuses to make one for what is no IAM role or user', () => {
    expect(() => accessKeyIdFor('arn:aws:iam::123456789012:group/admins')).toThrow('not an IAM role or user ARN');
  });
});
