// The one ECR client factory. The SDK reads AWS_ENDPOINT_URL_ECR itself, which is how local runs reach the
// embedded endpoint; a client is kept per endpoint so that a process can sweep more than one registry.
import { ECRClient } from '@aws-sdk/client-ecr';

const clients = new Map<string, ECRClient>();

/**
 * ECR publishes no rate quota for these calls and answers bursts with ThrottlingException; adaptive retry slows
 * this container down before Step Functions' own Retry takes over.
 */
export function ecrClient(): ECRClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_ECR ?? '';
  let client = clients.get(endpoint);
  if (!client) {
    client = new ECRClient({ retryMode: 'adaptive', maxAttempts: 6 });
    clients.set(endpoint, client);
  }
  return client;
}
