/**
 * `pulumi up -s <stack>` entry point (Pulumi.yaml `main: infra/`): Pulumi calls the exported function and
 * turns what it returns into stack outputs. The program itself lives in program.ts.
 */

import { main } from './program';

export = () => main();
