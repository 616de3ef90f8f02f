#!/usr/bin/env node
'use strict';
// The `ecr-lifecycle` command: runs the TypeScript command line through tsx, so a checkout needs no build step.
require('tsx/cjs');
require('../cli.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
