#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx compiles on load (and caches), so `npm ci` needs no build step.
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv);
