// Structured JSON logs and CloudWatch metrics (EMF), made once and shared by every handler.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'ecr-lifecycle-manager' });
export const metrics = new Metrics({ namespace: 'EcrLifecycleManager', serviceName: 'ecr-lifecycle-manager' });
