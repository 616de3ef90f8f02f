'use strict';
// serverless.yml's variable source for provider.region (deploy/aws-region.ts): the same rule as the command line's.
require('tsx/cjs/api').register();

module.exports = require('./aws-region.ts').resolveRegion;
