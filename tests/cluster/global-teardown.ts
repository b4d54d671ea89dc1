import * as fs from 'node:fs';
import { downLocalCluster } from '../../src/local/control-plane';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.AIGW_SCALE_TEST_LOCAL_DIR;
  if (!dir) return;
  downLocalCluster(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
