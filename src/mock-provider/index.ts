/**
 * The mock LLM provider: an OpenAI-compatible cassette server for the benchmark's backends.
 *
 * It stands alone (node built-ins only, nothing else of ours) because it is shipped into pods as one bundled
 * file (`npm run build` → dist/mock-provider.js, see ./bundle.ts). Endpoints: POST /v1/chat/completions
 * (whole or `stream: true`), POST /v1/embeddings, GET /v1/models, GET /healthz, GET /metrics.
 *
 * Every response carries `x-mock-backend-id` (the backend the request was routed to), `x-mock-backend-namespace`
 * when the Host header is a Service's DNS name, and, when the request named one, `x-mock-model`.
 */

import { MockProviderOptions, ResolvedMockOptions, resolveMockOptions } from './config';
import { MockProvider, MockServer } from './server';

export type { MockProviderOptions, ResolvedMockOptions } from './config';
export { MockConfigError, MOCK_FLAGS, mockOptionsFromFlags, resolveMockOptions } from './config';
export type { MockProvider } from './server';
export { BACKEND_ID_HEADER, BACKEND_NAMESPACE_HEADER, CASSETTE_NAME_HEADER, MODEL_HEADER, SOURCE_HEADER } from './exchange';
export { CASSETTE_HEADER, CassetteError } from './cassettes';
export type { Cassette } from './cassettes';
export { FAULT_HEADERS } from './faults';

/** Validates the options, loads cassettes and listens; resolves once the port is bound. */
export function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  return MockServer.listen(resolveMockOptions(options));
}

/** Starts from options already resolved (e.g. by mockOptionsFromFlags). */
export function startResolvedMockProvider(options: ResolvedMockOptions): Promise<MockProvider> {
  return MockServer.listen(options);
}
