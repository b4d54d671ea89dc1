/**
 * The endpoints the mock provider serves, and how metrics name a request's path.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

export const PATH_CHAT = '/v1/chat/completions';
export const PATH_EMBEDDINGS = '/v1/embeddings';
export const PATH_MODELS = '/v1/models';
export const PATH_MODEL_PREFIX = '/v1/models/';
export const PATH_HEALTH = '/healthz';
export const PATH_METRICS = '/metrics';

/** The metrics `path` label: known routes verbatim, everything else one value (bounded cardinality). */
export function routeLabel(pathname: string): string {
  switch (pathname) {
    case PATH_CHAT:
    case PATH_EMBEDDINGS:
    case PATH_MODELS:
    case PATH_HEALTH:
    case PATH_METRICS:
      return pathname;
    default:
      return pathname.startsWith(PATH_MODEL_PREFIX) ? '/v1/models/{id}' : 'other';
  }
}
