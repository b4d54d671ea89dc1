#!/usr/bin/env node
// Runs the CLI from its local bundle (bin/local-bundle.cjs says why), or through tsx when the bundle cannot be
// built or AIGW_SCALE_TSX=1 asks for it.
const bundle = process.env.AIGW_SCALE_TSX === '1' ? undefined : require('./local-bundle.cjs').freshBundle();
if (bundle) {
  require(bundle).main(process.argv);
} else {
  require('tsx/cjs');
  require('../src/cli/main.ts').main(process.argv);
}
