/* Runs a TypeScript file in a child process the way Jest runs tests (swc, @app/shared alias), so a test
   can start a real notifier process and kill it. Usage: node run-typescript.js <file.ts> */
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../../../..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...swcrc, swcrc: false, filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
// Node tries extensions in registration order: ".json" came before ".ts", so "./needs" beside needs.json
// loaded the data instead of needs.ts. Jest, like tsc, prefers TypeScript; so do we.
const loadJson = require.extensions['.json'];
delete require.extensions['.json'];
require.extensions['.json'] = loadJson;

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const shared = /^@app\/shared(\/.*)?$/.exec(request);
  const mapped = shared ? path.join(root, 'libs/shared/src', shared[1] ?? '') : request;
  return resolveFilename.call(this, mapped, ...rest);
};

require('reflect-metadata');
// The script sees itself as argv[1], as if node had run it directly.
process.argv.splice(1, 1);
require(path.resolve(process.argv[1]));
