// The packaged stack made into a stack set's template, on a small template of the framework's shape, and the code
// buckets' names and policy in another partition. tests/local/publish.test.ts runs both on the packaged service.
import { bucketPolicy, objectUrl } from '../../local/code-buckets';
import { accountIdIn, stackSetTemplate, type CloudFormationTemplate } from '../../local/stack-set-template';

const packaged = (): CloudFormationTemplate => ({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
    ServerlessDeploymentBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: { Bucket: { Ref: 'ServerlessDeploymentBucket' }, PolicyDocument: { Statement: [] } },
    },
    TallyReportLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { Ref: 'ServerlessDeploymentBucket' }, S3Key: 'serverless/svc/dev/1796666224100-2026-12-07T17:57:04.100Z/tallyReport.zip' },
        FunctionName: 'svc-dev-tallyReport',
      },
    },
  },
  Outputs: {
    ServerlessDeploymentBucketName: { Value: { Ref: 'ServerlessDeploymentBucket' } },
    TallyReportArn: { Value: { 'Fn::GetAtt': ['TallyReportLambdaFunction', 'Arn'] } },
  },
});

describe('the stack set template', () => {
  it('points the code at the bucket of the running region and drops the deployment bucket, its policy and its output', () => {
    const template = stackSetTemplate(packaged(), { 'tallyReport.zip': 'svc/code/tallyReport/abc.zip' }, 'acme');
    expect(Object.keys(template.Resources)).toEqual(['TallyReportLambdaFunction']);
    expect(template.Resources.TallyReportLambdaFunction.Properties).toEqual({
      Code: { S3Bucket: { 'Fn::Sub': 'acme-${AWS::Region}' }, S3Key: 'svc/code/tallyReport/abc.zip' },
      FunctionName: 'svc-dev-tallyReport',
    });
    expect(Object.keys(template.Outputs ?? {})).toEqual(['TallyReportArn']);
  });

  it('leaves the packaged template as it was', () => {
    const original = packaged();
    stackSetTemplate(original, { 'tallyReport.zip': 'k' }, 'acme');
    expect(original).toEqual(packaged());
  });

  it('refuses a function whose code was not published', () => {
    expect(() => stackSetTemplate(packaged(), {}, 'acme')).toThrow("TallyReportLambdaFunction's code tallyReport.zip was not published");
  });

  it('refuses a template that would still name the deployment bucket', () => {
    const template = packaged();
    template.Resources.Queue = { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${ServerlessDeploymentBucket}-queue' } } };
    expect(() => stackSetTemplate(template, { 'tallyReport.zip': 'k' }, 'acme')).toThrow('still refers to the deployment bucket: Queue');
  });
});

describe('an account ID in the template', () => {
  it('is found where it is, in an ARN', () => {
    const template = stackSetTemplate(packaged(), { 'tallyReport.zip': 'k' }, 'acme');
    template.Resources.Rule = { Type: 'AWS::ECR::PullThroughCacheRule', Properties: { CredentialArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub' } };
    expect(accountIdIn(template)).toEqual({ at: 'Resources.Rule.Properties.CredentialArn', accountId: '123456789012' });
  });

  it('is not a longer number, nor the placeholders a stack fills in', () => {
    expect(accountIdIn({ a: '1796666224100', b: { 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:t' }, c: 1209600 })).toBeUndefined();
  });
});

describe('code buckets in another partition', () => {
  it("name the partition in the policy's ARNs and its domain in the template URL", () => {
    const policy = bucketPolicy('acme-cn-north-1', 'cn-north-1', 'svc', 'o-a1b2c3d4e5');
    expect(policy.Statement.map((s) => s.Resource)).toEqual([
      'arn:aws-cn:s3:::acme-cn-north-1/svc/*',
      ['arn:aws-cn:s3:::acme-cn-north-1', 'arn:aws-cn:s3:::acme-cn-north-1/*'],
    ]);
    expect(objectUrl('acme-cn-north-1', 'cn-north-1', 'svc/template/dev/a_b-c.json')).toBe('https://acme-cn-north-1.s3.cn-north-1.amazonaws.com.cn/svc/template/dev/a_b-c.json');
  });
});
