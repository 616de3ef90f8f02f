'use strict';
// A local plugin: serverless-esbuild zips each function from a copy in the temporary directory, a folder named
// `<function>-<pid>-<milliseconds>-<8 hex digits>`, and its attempt to remove the copy fails without a word (it
// removes the folder without `recursive`). So that no package or deploy leaves those folders behind, this removes
// the copies this process made once the zips are written.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

class RemoveZipCopies {
  constructor(serverless) {
    this.serverless = serverless;
    const remove = () => this.remove();
    this.hooks = {
      'after:package:createDeploymentArtifacts': remove,
      'after:deploy:function:packageFunction': remove,
    };
  }

  remove() {
    const { service } = this.serverless;
    // The zip of a function is named after it; a service packaged as one zip, after the service.
    const zips = new Set([service.service, ...service.getAllFunctions()]);
    const copy = new RegExp(`^(.+)-${process.pid}-\\d+-[0-9a-f]{8}$`);
    for (const entry of fs.readdirSync(os.tmpdir())) {
      const match = copy.exec(entry);
      if (match && zips.has(match[1])) fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

module.exports = RemoveZipCopies;
