// The one middy stack, and the context every ECR step gets on Lambda: built once, at cold start, from the
// function's environment (the run settings packaging wrote, the SDK's own variables for region and credentials).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { ecrClient, publishThrottledCalls } from './ecr-client';
import { createLogger, createMetrics } from './logger';
import { readRunSettings } from './run-settings';
import type { Step, StepContext } from './step';

export function lambdaStepContext(env: NodeJS.ProcessEnv = process.env): StepContext {
  const settings = readRunSettings(env);
  // The stack registers the role of every function allowed BatchGetImage as excluded from pull time updates.
  return { settings, ecr: ecrClient(), readManifests: true, logger: createLogger(), metrics: createMetrics(settings.stage) };
}

/** A step as a Lambda handler; its context defaults to the ECR steps' one, made when the function module loads. */
export function lambdaHandler<I, O>(step: Step<I, O>): middy.MiddyfiedHandler<I, O, Error, Context>;
export function lambdaHandler<I, O, C extends { logger: Logger }>(step: Step<I, O, C>, context: C): middy.MiddyfiedHandler<I, O, Error, Context>;
export function lambdaHandler<I, O, C extends { logger: Logger }>(step: Step<I, O, C>, context?: C) {
  const built = context ?? (lambdaStepContext() as unknown as C);
  return middy<I, O, Error, Context>(async (input: I) => {
    try {
      return await step.run(input, built);
    } finally {
      if (isEcrStepContext(built)) publishThrottledCalls(built.ecr, built.metrics);
    }
  }).use(injectLambdaContext(built.logger));
}

function isEcrStepContext(context: object): context is StepContext {
  return 'ecr' in context && 'metrics' in context;
}
