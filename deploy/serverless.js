'use strict';
// serverless.yml's variable source for every derived value: custom.derived (deploy/derived.ts).
// The framework runs plain Node: tsx's loader lets it run the project's TypeScript, the very code the Lambdas run.
require('tsx/cjs/api').register();

module.exports = require('./derived.ts').resolveDerived;
