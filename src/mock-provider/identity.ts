/**
 * Which backend a request was meant for. One pod serves several backends through several Services named like
 * the backends, so without a fixed `--backend-id` the identity is the first DNS label of the Host header:
 * `backend-003.aigw-scale.svc.cluster.local:8080` → `backend-003`, in namespace `aigw-scale`.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

/** The identity when neither `--backend-id` nor a DNS Host header tells it (e.g. a request to 127.0.0.1). */
export const FALLBACK_BACKEND_ID = 'mock';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** Who a request was meant for: the backend and, when the Host is a Service's DNS name, the namespace it lives in. */
export interface BackendIdentity {
  readonly id: string;
  /**
   * The Service's namespace (`backend-003.bench.svc.cluster.local` → `bench`): it tells a run's backend from another
   * fixture's backend of the same name, so a benchmark can prove an answer came through its own routes.
   */
  readonly namespace?: string;
}

/** Identity from a Host header value; the fallback id (and no namespace) for IP literals, missing or malformed hosts. */
export function backendFromHost(host: string | undefined, fallback: string = FALLBACK_BACKEND_ID): BackendIdentity {
  if (!host || host.charCodeAt(0) === 91 /* "[": IPv6 literal */) return { id: fallback };
  const colon = host.indexOf(':');
  const hostname = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
  if (IPV4.test(hostname)) return { id: fallback };
  const labels = hostname.split('.');
  if (!LABEL.test(labels[0])) return { id: fallback };
  // Only a Service name says which label is the namespace: `<service>.<namespace>` or `<service>.<namespace>.svc…`.
  const isService = labels.length === 2 || (labels.length > 2 && labels[2] === 'svc');
  return isService && LABEL.test(labels[1]) ? { id: labels[0], namespace: labels[1] } : { id: labels[0] };
}

/** backendFromHost with a bounded cache: a pod sees a handful of distinct Host values. */
export function cachedBackendResolver(fallback: string = FALLBACK_BACKEND_ID, limit = 4096): (host: string | undefined) => BackendIdentity {
  const cache = new Map<string, BackendIdentity>();
  return (host) => {
    if (host === undefined) return { id: fallback };
    let identity = cache.get(host);
    if (identity === undefined) {
      identity = backendFromHost(host, fallback);
      if (cache.size >= limit) cache.clear();
      cache.set(host, identity);
    }
    return identity;
  };
}
