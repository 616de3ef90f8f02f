// The one middy stack: every handler is a plain async function of its input, wrapped here with logging.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './logger';

export function lambdaHandler<I, O>(work: (input: I) => Promise<O>) {
  return middy<I, O, Error, Context>(async (input: I) => work(input)).use(injectLambdaContext(logger));
}
