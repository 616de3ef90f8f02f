// The one home of the service name and metrics namespace: structured JSON logs and CloudWatch metrics (EMF).
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'ecr-lifecycle-manager';
export const METRICS_NAMESPACE = 'EcrLifecycleManager';

export function createLogger(options: ConstructorOptions = {}): Logger {
  return new Logger({ serviceName: SERVICE_NAME, ...options });
}

/** Every metric carries the service and the stage (dimensions `service` and `stage`); a step may add `prefix`. */
export function createMetrics(stage: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { stage } });
}
