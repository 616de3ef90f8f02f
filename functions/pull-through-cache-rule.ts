// Lambda handler of the Custom::PullThroughCacheRule resources (functions/steps/pull-through-cache-rule.ts): it
// answers CloudFormation at the request's ResponseURL, SUCCESS or FAILED, so that a deploy never waits out its hour.
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { customResourceResponse, sendCustomResourceResponse, type CustomResourceResult } from './lib/custom-resource';
import { lambdaHandler } from './lib/handler';
import { pullThroughCacheRule } from './steps/pull-through-cache-rule';

export const handler = lambdaHandler<CloudFormationCustomResourceEvent, void>({
  ...pullThroughCacheRule,
  async run(event, context) {
    let outcome: CustomResourceResult | Error;
    try {
      outcome = await pullThroughCacheRule.run(event, context);
    } catch (error) {
      context.logger.error('pull-through cache rule not changed', { requestType: event.RequestType, error: error as Error });
      outcome = error as Error;
    }
    await sendCustomResourceResponse(event.ResponseURL, customResourceResponse(event, outcome));
  },
});
