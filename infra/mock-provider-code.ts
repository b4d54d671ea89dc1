/**
 * The bundled mock provider the fixture ships into its pod. Read through `bundleMockProvider()` (esbuild,
 * in-process, a fraction of a second) exactly as the CLI does for `mockProvider`, so the manifests Pulumi
 * renders (and hashes) are the ones `aigw-scale apply --fixture-json … --sha256 …` applies in bundle mode.
 */

import { bundleMockProvider } from '../src/mock-provider/bundle';

export type MockProviderCodeSource = () => Promise<string>;

export const loadMockProviderCode: MockProviderCodeSource = bundleMockProvider;
