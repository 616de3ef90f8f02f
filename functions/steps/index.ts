// Every step of the workflow by the name the definition's Fn::GetAtt uses, the event step that starts it, and the
// custom resource of the stack's pull-through cache rules. The local runner binds Task states to these; the
// stack's IAM roles are generated from their permissions.
import { checkLifecyclePolicy } from './check-lifecycle-policy';
import { expireUnpulledImages } from './expire-unpulled-images';
import { listCachedRepositories } from './list-cached-repositories';
import { listPullThroughCachePrefixes } from './list-pull-through-cache-prefixes';
import { measureStoredImages } from './measure-stored-images';
import { pullThroughCacheRule } from './pull-through-cache-rule';
import { putLifecyclePolicy } from './put-lifecycle-policy';
import { startRepositorySweep } from './start-repository-sweep';
import { tallyReport } from './tally-report';

/** The steps the sweep definition's Task states name. */
export const WORKFLOW_STEPS = {
  listPullThroughCachePrefixes,
  listCachedRepositories,
  checkLifecyclePolicy,
  measureStoredImages,
  putLifecyclePolicy,
  expireUnpulledImages,
  tallyReport,
};

/** Every function's step: the workflow's, the event step that starts it, and the stack's pull-through cache rules. */
export const STEPS = { ...WORKFLOW_STEPS, startRepositorySweep, pullThroughCacheRule };
