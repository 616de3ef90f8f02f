// The one configuration reader: every handler takes its settings from the environment serverless.yml gives it.
import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const integer = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min));

const schema = z.object({
  DRY_RUN: flag.default(false),
  KEEP_IMAGES: integer(1).default(1),
  UNPULLED_DAYS: integer(0).default(30),
  MANAGE_ROOT_PREFIX: flag.default(false),
  MAX_CONCURRENCY: integer(1).default(4),
  // Comma-separated; empty or unset: every pull-through cache rule's prefix.
  MANAGED_PREFIXES: z
    .string()
    .transform((v) => v.split(',').map((p) => p.trim()).filter((p) => p !== ''))
    .pipe(z.array(z.string().regex(/^[a-z0-9._/-]{2,30}$/, 'expected comma-separated pull-through cache prefixes')))
    .default([]),
});

export interface Config {
  /** Deploy-time default for dry runs; an execution input may override it. */
  dryRun: boolean;
  /** Images each cached repository keeps (the lifecycle rule's countNumber). */
  keepImages: number;
  /** Images not pulled for this many days are deleted; 0 turns pull-age expiry off. */
  unpulledDays: number;
  /** Whether an ECR-to-ECR rule with prefix ROOT makes every repository outside other prefixes managed. */
  manageRootPrefix: boolean;
  /** Child executions of the Distributed Map that run at once. */
  maxConcurrency: number;
  /**
   * The prefixes the stack manages when it manages only its own rules (manageOnlyConfiguredRules); empty: every
   * pull-through cache rule of the registry.
   */
  managedPrefixes: string[];
}

export class ConfigurationError extends Error {
  name = 'ConfigurationError';
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]])),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const c = parsed.data;
  return {
    dryRun: c.DRY_RUN,
    keepImages: c.KEEP_IMAGES,
    unpulledDays: c.UNPULLED_DAYS,
    manageRootPrefix: c.MANAGE_ROOT_PREFIX,
    maxConcurrency: c.MAX_CONCURRENCY,
    managedPrefixes: c.MANAGED_PREFIXES,
  };
}
