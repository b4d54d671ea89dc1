/**
 * Which backend a request was meant for. One pod serves several backends through several Services named like
 * the backends, so without a fixed `--backend-id` the identity is the first DNS label of the Host header:
 * `backend-003.aigw-scale.svc.cluster.local:8080` → `backend-003`.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

/** The identity when neither `--backend-id` nor a DNS Host header tells it (e.g. a request to 127.0.0.1). */
export const FALLBACK_BACKEND_ID = 'mock';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** Backend id from a Host header value; the fallback for IP literals, missing or malformed hosts. */
export function backendIdFromHost(host: string | undefined, fallback: string = FALLBACK_BACKEND_ID): string {
  if (!host || host.charCodeAt(0) === 91 /* "[": IPv6 literal */) return fallback;
  const colon = host.indexOf(':');
  const hostname = colon === -1 ? host : host.slice(0, colon);
  if (IPV4.test(hostname)) return fallback;
  const dot = hostname.indexOf('.');
  const label = (dot === -1 ? hostname : hostname.slice(0, dot)).toLowerCase();
  return LABEL.test(label) ? label : fallback;
}

/** backendIdFromHost with a bounded cache: a pod sees a handful of distinct Host values. */
export function cachedBackendIdResolver(fallback: string = FALLBACK_BACKEND_ID, limit = 4096): (host: string | undefined) => string {
  const cache = new Map<string, string>();
  return (host) => {
    if (host === undefined) return fallback;
    let id = cache.get(host);
    if (id === undefined) {
      id = backendIdFromHost(host, fallback);
      if (cache.size >= limit) cache.clear();
      cache.set(host, id);
    }
    return id;
  };
}
