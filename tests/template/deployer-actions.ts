// What deploying and removing this stack asks of the deployer's credentials, per resource type: the actions
// CloudFormation's handlers call to create, update and delete one, as the type's resource schema lists them under
// `handlers` (mirrored in the Cloud Control docs: stackql-provider-awscc website/docs/services/<service>/<type>),
// kept to the properties this stack sets: schema actions for features it never uses (KMS keys, VPCs, S3 replication,
// data protection, code signing, ...) are left out. A type the stack gains must be added here, or the test fails.
// And what the framework itself calls around the stack (osls lib/plugins/aws: deploy, remove, its deployment bucket).

export interface HandlerActions {
  create: string[];
  update: string[];
  delete: string[];
}

/** CloudWatch Logs vended log delivery, which a state machine's logging configuration needs. */
export const LOG_DELIVERY = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

export const RESOURCE_HANDLER_ACTIONS: Record<string, HandlerActions> = {
  'AWS::S3::Bucket': {
    create: ['s3:CreateBucket', 's3:PutEncryptionConfiguration', 's3:PutBucketTagging', 's3:GetBucketAcl', 's3:ListBucket'],
    update: ['s3:PutEncryptionConfiguration', 's3:PutBucketTagging', 's3:ListBucket'],
    delete: ['s3:DeleteBucket', 's3:ListBucket'],
  },
  'AWS::S3::BucketPolicy': {
    create: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'],
    update: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'],
    delete: ['s3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
  },
  'AWS::Logs::LogGroup': {
    create: ['logs:DescribeLogGroups', 'logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource'],
    update: ['logs:DescribeLogGroups', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource'],
    delete: ['logs:DescribeLogGroups', 'logs:DeleteLogGroup'],
  },
  'AWS::Logs::QueryDefinition': {
    create: ['logs:PutQueryDefinition'],
    update: ['logs:PutQueryDefinition'],
    delete: ['logs:DeleteQueryDefinition'],
  },
  'AWS::Lambda::Function': {
    // The code is the zip the framework uploaded to its deployment bucket: Lambda reads it with the caller's rights.
    create: ['lambda:CreateFunction', 'lambda:GetFunction', 'lambda:TagResource', 'iam:PassRole', 's3:GetObject', 's3:GetObjectVersion'],
    update: ['lambda:GetFunction', 'lambda:UpdateFunctionConfiguration', 'lambda:UpdateFunctionCode', 'lambda:TagResource', 'lambda:UntagResource', 'iam:PassRole', 's3:GetObject', 's3:GetObjectVersion'],
    delete: ['lambda:DeleteFunction', 'lambda:GetFunction'],
  },
  'AWS::Lambda::Permission': {
    create: ['lambda:AddPermission'],
    update: [],
    delete: ['lambda:RemovePermission'],
  },
  'AWS::Lambda::EventInvokeConfig': {
    create: ['lambda:PutFunctionEventInvokeConfig'],
    update: ['lambda:UpdateFunctionEventInvokeConfig'],
    delete: ['lambda:DeleteFunctionEventInvokeConfig'],
  },
  // With a LoggingConfiguration, Step Functions sets up the log delivery with the caller's rights.
  'AWS::StepFunctions::StateMachine': {
    create: ['states:CreateStateMachine', 'states:DescribeStateMachine', 'states:TagResource', 'iam:PassRole', ...LOG_DELIVERY],
    update: ['states:UpdateStateMachine', 'states:TagResource', 'states:UntagResource', 'states:ListTagsForResource', 'iam:PassRole', ...LOG_DELIVERY],
    delete: ['states:DeleteStateMachine', 'states:DescribeStateMachine'],
  },
  'AWS::Events::Rule': {
    create: ['iam:PassRole', 'events:DescribeRule', 'events:PutRule', 'events:PutTargets', 'events:TagResource'],
    update: ['iam:PassRole', 'events:DescribeRule', 'events:PutRule', 'events:RemoveTargets', 'events:PutTargets', 'events:UntagResource', 'events:TagResource'],
    delete: ['events:DescribeRule', 'events:DeleteRule', 'events:RemoveTargets', 'events:ListTargetsByRule'],
  },
  // No role of the stack has managed policies (ManagedPolicyArns): iam:AttachRolePolicy is never called. Each has a
  // PermissionsBoundary, which an update puts with iam:PutRolePermissionsBoundary.
  'AWS::IAM::Role': {
    create: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:GetRole'],
    update: ['iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:UntagRole'],
    delete: ['iam:DeleteRole', 'iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'],
  },
  'AWS::SQS::Queue': {
    create: ['sqs:CreateQueue', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags', 'sqs:TagQueue'],
    update: ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags', 'sqs:TagQueue', 'sqs:UntagQueue'],
    delete: ['sqs:DeleteQueue', 'sqs:GetQueueAttributes'],
  },
  // A type without a registry schema: the policy is the queue's Policy attribute (SQS SetQueueAttributes).
  'AWS::SQS::QueuePolicy': {
    create: ['sqs:SetQueueAttributes'],
    update: ['sqs:SetQueueAttributes'],
    delete: ['sqs:SetQueueAttributes'],
  },
  'AWS::SNS::Topic': {
    create: ['sns:CreateTopic', 'sns:TagResource', 'sns:GetTopicAttributes'],
    update: ['sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource', 'sns:GetTopicAttributes', 'sns:ListTagsForResource', 'sns:ListSubscriptionsByTopic'],
    delete: ['sns:GetTopicAttributes', 'sns:DeleteTopic'],
  },
  'AWS::SNS::Subscription': {
    create: ['sns:Subscribe'],
    update: ['sns:SetSubscriptionAttributes'],
    delete: ['sns:Unsubscribe', 'sns:GetSubscriptionAttributes'],
  },
  'AWS::CloudWatch::Alarm': {
    create: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource'],
    update: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
    delete: ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms'],
  },
  'AWS::CloudWatch::Dashboard': {
    create: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard'],
    update: ['cloudwatch:PutDashboard'],
    delete: ['cloudwatch:DeleteDashboards', 'cloudwatch:GetDashboard'],
  },
  // The templates set a lifecycle policy, never a repository policy: ecr:SetRepositoryPolicy is not needed.
  'AWS::ECR::RepositoryCreationTemplate': {
    create: ['ecr:CreateRepositoryCreationTemplate', 'ecr:PutLifecyclePolicy', 'ecr:CreateRepository', 'iam:CreateServiceLinkedRole'],
    update: ['ecr:DescribeRepositoryCreationTemplates', 'ecr:UpdateRepositoryCreationTemplate', 'ecr:PutLifecyclePolicy', 'ecr:CreateRepository', 'iam:CreateServiceLinkedRole'],
    delete: ['ecr:DeleteRepositoryCreationTemplate'],
  },
  // The roles that read manifests, excluded from pull time updates (ECR's exclusion calls name no resource).
  'AWS::ECR::PullTimeUpdateExclusion': {
    create: ['ecr:RegisterPullTimeUpdateExclusion', 'ecr:ListPullTimeUpdateExclusions'],
    update: ['ecr:ListPullTimeUpdateExclusions'],
    delete: ['ecr:DeregisterPullTimeUpdateExclusion', 'ecr:ListPullTimeUpdateExclusions'],
  },
  // CloudFormation invokes the custom resource's function with the deployer's credentials; the function's own role
  // (capped by the permissions boundary) makes the ECR calls, the pull-through cache's service-linked role included.
  'Custom::PullThroughCacheRule': {
    create: ['lambda:InvokeFunction'],
    update: ['lambda:InvokeFunction'],
    delete: ['lambda:InvokeFunction'],
  },
};

/** The framework's own calls: stack and change sets, the deployment bucket's objects, the deployed code's hash. */
export const FRAMEWORK_ACTIONS = [
  'cloudformation:CreateChangeSet',
  'cloudformation:CreateStack',
  'cloudformation:DeleteChangeSet',
  'cloudformation:DeleteStack',
  'cloudformation:DescribeChangeSet',
  'cloudformation:DescribeStackEvents',
  'cloudformation:DescribeStackResource',
  'cloudformation:DescribeStackResources',
  'cloudformation:DescribeStacks',
  'cloudformation:ExecuteChangeSet',
  'cloudformation:GetTemplate',
  'cloudformation:ListStackResources',
  'cloudformation:UpdateStack',
  'cloudformation:ValidateTemplate',
  // HeadBucket and ListObjectsV2 are s3:ListBucket; ListObjectVersions is s3:ListBucketVersions; HeadObject s3:GetObject.
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  'lambda:GetFunction',
];
