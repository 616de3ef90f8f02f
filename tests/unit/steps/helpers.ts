// Shared set-up for the step tests: one context as a Lambda would build it (settings at their defaults unless a
// test configures others, an ECR client that aws-sdk-client-mock answers, a silent logger, metrics kept in memory).
import { ECRClient, ECRServiceException } from '@aws-sdk/client-ecr';
import { createLogger } from '../../../functions/lib/logger';
import { parseSettings, runSettings, type RunSettings } from '../../../functions/lib/settings';
import type { StepContext } from '../../../functions/lib/step';

const DEFAULTS = runSettings(parseSettings({}));

export const context: StepContext = {
  settings: { ...DEFAULTS },
  ecr: new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  readManifests: false,
  logger: createLogger({ logLevel: 'SILENT' }),
  metrics: { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined },
};

/** Every test starts from the default settings. */
beforeEach(() => {
  context.settings = { ...DEFAULTS };
});

/** The run settings a test's stage has, over the defaults. */
export function configure(settings: Partial<RunSettings>): void {
  Object.assign(context.settings, settings);
}

/** An ECR error that the SDK has no class for, as it arrives from the service (throttling, access denied). */
export function serviceError(name: string): ECRServiceException {
  return new ECRServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `${name} from ECR` });
}
