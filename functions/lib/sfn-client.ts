// The one Step Functions client. The SDK reads AWS_ENDPOINT_URL_SFN itself, which is how local runs reach the
// embedded Step Functions endpoint.
import { SFNClient } from '@aws-sdk/client-sfn';

const clients = new Map<string, SFNClient>();

export function sfnClient(): SFNClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_SFN ?? '';
  let client = clients.get(endpoint);
  if (!client) {
    client = new SFNClient({ maxAttempts: 6 });
    clients.set(endpoint, client);
  }
  return client;
}
