'use strict';
// Adds the pull-through cache rules and repository creation templates that deploy/pull-through-cache-rules.js
// generated (and checked) from the stage's rules file, custom.pullThroughCacheResources, to the template: the
// framework merges only `resources.Resources` by itself, and that block is a fixed list.

class PullThroughCacheResources {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // After resources.Resources is merged, so that a clash with a hand-written resource is found, not overwritten.
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addResources(),
    };
  }

  addResources() {
    const generated = (this.serverless.service.custom ?? {}).pullThroughCacheResources ?? {};
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    for (const [logicalId, resource] of Object.entries(generated)) {
      if (Object.prototype.hasOwnProperty.call(template.Resources, logicalId)) {
        throw new this.serverless.classes.Error(`pull-through cache rules: the template already has a resource ${logicalId}`);
      }
      template.Resources[logicalId] = resource;
    }
  }
}

module.exports = PullThroughCacheResources;
