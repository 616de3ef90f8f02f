// Starts the sweep state machine for one new cached repository, named after the event so that a repeated delivery
// starts nothing new. Events of another shape are logged and dropped: retrying them could never help.
import type { Logger } from '@aws-lambda-powertools/logger';
import { decideRepositoryEvent } from '../lib/repository-event';
import type { SweepStarter } from '../lib/sfn-client';
import type { Step } from '../lib/step';

export interface StartSweepContext {
  logger: Logger;
  sweeps: SweepStarter;
}

export type StartSweepResult = { started: true; executionName: string } | { started: false; reason: string; executionName?: string };

export const startRepositorySweep: Step<unknown, StartSweepResult, StartSweepContext> = {
  name: 'startRepositorySweep',
  permissions: [
    { actions: ['states:StartExecution'], on: 'sweepStateMachine' },
    // The function's on-failure destination sends with the function's own role.
    { actions: ['sqs:SendMessage'], on: 'repositoryEventsDeadLetterQueue' },
  ],
  async run(event, { logger, sweeps }) {
    const decision = decideRepositoryEvent(event);
    if (!decision.start) {
      logger.warn('event dropped', { decision: 'drop', reason: decision.reason });
      return { started: false, reason: decision.reason };
    }
    const { repositoryName, executionName } = decision;
    const started = await sweeps.startExecution({ name: executionName, input: JSON.stringify({ repositoryName }) });
    if ('alreadyExists' in started) {
      logger.info('sweep already started for this event', { repositoryName, executionName, decision: 'duplicate' });
      return { started: false, reason: 'an execution of that name exists', executionName };
    }
    logger.info('sweep started for repository', { repositoryName, executionName, executionArn: started.executionArn, decision: 'start', shape: decision.shape });
    return { started: true, executionName };
  },
};
