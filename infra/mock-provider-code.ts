/**
 * The bundled mock provider the fixture ships into its pod. Read through `bundleMockProvider()` (esbuild,
 * in-process, a fraction of a second) exactly as the CLI's `--mock-provider` does, so the manifests Pulumi
 * renders (and hashes) are the ones `aigw-scale apply --mock-provider` applies in bundle mode.
 */

import { bundleMockProvider } from '../src/mock-provider/bundle';

export type MockProviderCodeSource = () => Promise<string>;

export const loadMockProviderCode: MockProviderCodeSource = bundleMockProvider;
