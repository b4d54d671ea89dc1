/** `npm run generate:versions`: writes the pinned versions of src/install/facts.ts where the bash build script reads them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERSIONS_SH_PATH, versionsShellText } from '../src/install/versions-sh';

const file = path.join(__dirname, '..', VERSIONS_SH_PATH);
fs.writeFileSync(file, versionsShellText());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
