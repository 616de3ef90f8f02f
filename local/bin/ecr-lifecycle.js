#!/usr/bin/env node
'use strict';
// The `ecr-lifecycle` command: runs the TypeScript command line through tsx, so a checkout needs no build step.
// The SDK warns on Node.js 20 about versions it has not published yet; the pinned version supports it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../cli.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
