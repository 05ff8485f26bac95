#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npm install` is all a user needs.
require('tsx/cjs');
require('../src/cli.ts').runCli(process.argv);
