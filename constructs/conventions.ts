/**
 * Names, labels and annotations shared by every fixture object. The benchmark runner, the applier and
 * cleanup select and interpret objects through these, so they are defined once, here.
 */

/** `app.kubernetes.io/part-of`: marks every object aigw-scale creates. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF_VALUE = 'aigw-scale';
/** Names the fixture an object belongs to (cleanup deletes one fixture by this label). */
export const FIXTURE_LABEL = 'aigw-scale/fixture';
/** On each AIGatewayRoute: the model its rule matches. */
export const MODEL_ANNOTATION = 'aigw-scale/model';
/** On each AIGatewayRoute: the AIServiceBackend it routes to, i.e. the identity the mock must answer with. */
export const BACKEND_ANNOTATION = 'aigw-scale/backend';
/** The request header AI Gateway routes on. */
export const MODEL_HEADER = 'x-ai-eg-model';
/** The Envoy Gateway controller name the GatewayClass binds to. */
export const GATEWAY_CONTROLLER_NAME = 'gateway.envoyproxy.io/gatewayclass-controller';

/** Width of route and model numbers: fixed so that adding routes never renames existing ones. */
const ROUTE_DIGITS = 6;
const BACKEND_DIGITS = 3;

const pad = (index: number, width: number): string => String(index).padStart(width, '0');

/** The i-th (1-based) AIGatewayRoute: `route-000001`. */
export const routeName = (index: number): string => `route-${pad(index, ROUTE_DIGITS)}`;
/** The model the i-th route matches: `model-000001`. */
export const modelName = (index: number): string => `model-${pad(index, ROUTE_DIGITS)}`;
/** The j-th (1-based) backend, shared by its Backend and AIServiceBackend: `backend-001`. */
export const backendName = (index: number): string => `backend-${pad(index, BACKEND_DIGITS)}`;
/** Route i uses backend ((i - 1) mod M) + 1. */
export const backendIndexForRoute = (routeIndex: number, backends: number): number => ((routeIndex - 1) % backends) + 1;
/** Cluster-scoped objects carry the fixture id in their name so fixtures never share them. */
export const gatewayClassName = (fixtureId: string): string => `aigw-scale-${fixtureId}`;
/** The fixture ids of `bench --repeat k`: one run keeps the id, k > 1 runs get `<id>-r1` … `<id>-rk`. */
export const repeatFixtureIds = (fixtureId: string, repeat: number): string[] => (repeat === 1 ? [fixtureId] : Array.from({ length: repeat }, (_, i) => `${fixtureId}-r${i + 1}`));

/** Labels every object of a fixture carries. */
export function fixtureLabels(fixtureId: string): Record<string, string> {
  return { [PART_OF_LABEL]: PART_OF_VALUE, [FIXTURE_LABEL]: fixtureId };
}
