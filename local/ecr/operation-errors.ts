// The errors ECR can answer, so that a registry file's `faults` inject only errors the real service could send:
// each operation's own (the ECR service model's `errors` of that operation, as the AWS SDK documents them) and the
// errors every AWS API can return (the API references' "Common Errors").

/** The ECR model's errors of each operation the embedded endpoint serves that names a repository. */
export const OPERATION_ERRORS: Record<string, readonly string[]> = {
  DescribeRepositories: ['InvalidParameterException', 'RepositoryNotFoundException', 'ServerException'],
  GetLifecyclePolicy: ['InvalidParameterException', 'LifecyclePolicyNotFoundException', 'RepositoryNotFoundException', 'ServerException', 'ValidationException'],
  PutLifecyclePolicy: ['InvalidParameterException', 'RepositoryNotFoundException', 'ServerException', 'ValidationException'],
  DeleteLifecyclePolicy: ['InvalidParameterException', 'LifecyclePolicyNotFoundException', 'RepositoryNotFoundException', 'ServerException', 'ValidationException'],
  DescribeImages: ['ImageNotFoundException', 'InvalidParameterException', 'RepositoryNotFoundException', 'ServerException'],
  BatchDeleteImage: ['InvalidParameterException', 'RepositoryNotFoundException', 'ServerException'],
  BatchGetImage: ['InvalidParameterException', 'LimitExceededException', 'RepositoryNotFoundException', 'ServerException', 'UnableToGetUpstreamImageException'],
  StartLifecyclePolicyPreview: [
    'InvalidParameterException',
    'LifecyclePolicyNotFoundException',
    'LifecyclePolicyPreviewInProgressException',
    'RepositoryNotFoundException',
    'ServerException',
    'ValidationException',
  ],
  GetLifecyclePolicyPreview: ['InvalidParameterException', 'LifecyclePolicyPreviewNotFoundException', 'RepositoryNotFoundException', 'ServerException', 'ValidationException'],
};

/** Errors any AWS API call can return (the API references' "Common Errors"). */
export const COMMON_ERRORS: readonly string[] = [
  'AccessDeniedException',
  'ExpiredTokenException',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'MalformedHttpRequestException',
  'NotAuthorized',
  'OptInRequired',
  'RequestAbortedException',
  'RequestEntityTooLargeException',
  'RequestExpired',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ThrottlingException',
  'UnknownOperationException',
  'UnrecognizedClientException',
  'ValidationError',
];

/** The common errors AWS sends with a 5xx status, which the SDK retries as transient. */
export const SERVER_ERROR_STATUS: Record<string, number> = { ServerException: 500, InternalFailure: 500, ServiceUnavailable: 503 };

/** The errors a call of `operation` may be made to fail with. */
export function errorsOf(operation: string): string[] {
  return [...(OPERATION_ERRORS[operation] ?? []), ...COMMON_ERRORS];
}
