// A CloudFormation custom resource's answer: CloudFormation waits for a JSON document PUT to the request's
// pre-signed ResponseURL (up to an hour), so every request is answered, SUCCESS or FAILED, whatever happened.
// The fields are those the CloudFormation User Guide lists under "Custom resource response objects".
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

export interface CustomResourceResult {
  PhysicalResourceId: string;
  /** Values templates can read with Fn::GetAtt. */
  Data?: Record<string, string>;
}

/** The physical id of a resource whose Create failed: no resource of that name was made, so its Delete does nothing. */
export const NOT_CREATED = 'not-created';

export function customResourceResponse(event: CloudFormationCustomResourceEvent, outcome: CustomResourceResult | Error): CloudFormationCustomResourceResponse {
  const common = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  if (outcome instanceof Error) {
    const PhysicalResourceId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${NOT_CREATED}:${event.LogicalResourceId}`;
    // CloudFormation shows the reason in the stack's events; it takes up to 4 KiB of the response.
    return { ...common, Status: 'FAILED', PhysicalResourceId, Reason: `${outcome.name}: ${outcome.message}`.slice(0, 1_000) };
  }
  return { ...common, Status: 'SUCCESS', PhysicalResourceId: outcome.PhysicalResourceId, ...(outcome.Data ? { Data: outcome.Data } : {}) };
}

/** Sends the answer; a pre-signed S3 URL takes a PUT with no content type. */
export async function sendCustomResourceResponse(responseUrl: string, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const sent = await fetch(responseUrl, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!sent.ok) throw new Error(`CloudFormation's response URL answered ${sent.status} ${sent.statusText}`);
}
