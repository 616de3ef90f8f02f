// The one ECR client factory. On Lambda it takes everything from the function's environment; a local run passes
// the embedded endpoint (or nothing, for the account in the caller's credentials).
import { ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';

/** `profile` and `region` as the command line's --profile and --region give them: the SDK resolves the rest. */
export type EcrClientOptions = Pick<ECRClientConfig, 'endpoint' | 'region' | 'credentials' | 'profile' | 'requestHandler'>;

/**
 * ECR publishes no rate quota for these calls and answers bursts with ThrottlingException; adaptive retry slows
 * the caller down before Step Functions' own Retry takes over.
 */
export function ecrClient(options: EcrClientOptions = {}): ECRClient {
  return new ECRClient({ retryMode: 'adaptive', maxAttempts: 6, ...options });
}
