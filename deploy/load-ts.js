'use strict';
// Loads the project's TypeScript (validators, configuration reader) into the framework's plain Node process, so
// that deploy-time checks run the very code the handlers run. tsx's loader is registered for the process; a test
// runner with a module system of its own compiles the files itself and never consults it.
const path = require('node:path');
require('tsx/cjs/api').register();

const root = path.join(__dirname, '..');

module.exports = function loadTs(relative) {
  return require(path.join(root, relative));
};
