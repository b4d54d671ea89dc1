/**
 * Helm values for Envoy Gateway and AI Gateway from ONE gRPC size knob. Envoy Gateway sends every
 * translation to the AI Gateway extension server as one unary gRPC message that grows with the route
 * count; both the sender's limit and the receiver's must be raised together or the larger default (4 MiB)
 * still fails. Everything that installs the two charts (the CLI, Pulumi, the local controllers) reads
 * its values here.
 */
import { AI_GATEWAY_CONTROLLER_SERVICE, AI_GATEWAY_NAMESPACE } from '../src/install/facts';
import { quantityValue } from '../src/units/units';

export const DEFAULT_GRPC_MAX_MESSAGE_SIZE = '25Mi';
/** gRPC's own default; a lower limit would only break sooner. */
export const MIN_GRPC_MESSAGE_BYTES = 4 * 1024 * 1024;
/**
 * The local controllers (`local up --controllers`) may go lower: a limit of a few hundred KiB reproduces the size
 * failure at a few dozen routes instead of 1,300 (tests, demonstrations). Installs keep MIN_GRPC_MESSAGE_BYTES.
 */
export const LOCAL_MIN_GRPC_MESSAGE_BYTES = 64 * 1024;
export const MAX_GRPC_MESSAGE_BYTES = 2 * 1024 * 1024 * 1024;

/** Port of the AI Gateway extension server (the AI Gateway chart's fixed port). */
export const EXTENSION_SERVER_PORT = 1063;

/** The one knob, as a Kubernetes quantity and as bytes. */
export interface GrpcMessageLimit {
  /** As given, e.g. "25Mi": Envoy Gateway's `extensionManager.maxMessageSize` takes a quantity. */
  readonly quantity: string;
  /** In bytes, e.g. 26214400: AI Gateway's `--maxRecvMsgSize` takes a byte count. */
  readonly bytes: number;
}

/** Thrown for a malformed or out-of-range knob; the message says what is allowed. */
export class HelmValuesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmValuesError';
  }
}

/** Parses and range-checks the gRPC size knob (e.g. "25Mi", "26214400", "1Gi"), from `minBytes` to 2Gi. */
export function parseGrpcMessageLimit(quantity: string = DEFAULT_GRPC_MAX_MESSAGE_SIZE, minBytes = MIN_GRPC_MESSAGE_BYTES): GrpcMessageLimit {
  const bytes = quantityValue(String(quantity));
  const min = `${minBytes / 1024 >= 1024 ? `${minBytes / 2 ** 20}Mi` : `${minBytes / 1024}Ki`}`;
  const allowed = `an integer number of bytes as a Kubernetes quantity, e.g. "25Mi", "64Mi" or "26214400", from ${min} to 2Gi`;
  if (bytes === undefined) throw new HelmValuesError(`grpcMaxMessageSize: got ${JSON.stringify(quantity)}; allowed: ${allowed}`);
  if (!Number.isSafeInteger(bytes)) {
    throw new HelmValuesError(`grpcMaxMessageSize: ${quantity} is ${bytes} bytes, not a whole number; allowed: ${allowed}`);
  }
  if (bytes < minBytes || bytes > MAX_GRPC_MESSAGE_BYTES) {
    throw new HelmValuesError(`grpcMaxMessageSize: ${quantity} is ${bytes} bytes, outside ${min} (${minBytes}) … 2Gi (2147483648)`);
  }
  return { quantity: String(quantity).trim(), bytes };
}

/** Where Envoy Gateway's admin server listens (EnvoyGateway `admin.address`; both fields, or the port is 0). */
export interface AdminAddress {
  readonly host: string;
  readonly port: number;
}

export interface HelmValuesOptions {
  /** The gRPC size knob for the extension call, both sides. @default "25Mi" */
  readonly grpcMaxMessageSize?: string;
  /** Profiles requested: Envoy Gateway's admin server serves pprof at this address. @default pprof off */
  readonly pprofAt?: AdminAddress;
}

/** Values for both charts plus the parsed knob, so callers can report the effective limits. */
export interface HelmValues {
  readonly grpc: GrpcMessageLimit;
  /** For `oci://docker.io/envoyproxy/gateway-helm` (release namespace envoy-gateway-system). */
  readonly envoyGateway: Record<string, unknown>;
  /** For `oci://docker.io/envoyproxy/ai-gateway-helm` (release namespace envoy-ai-gateway-system). */
  readonly aiGateway: Record<string, unknown>;
}

/** What AI Gateway needs from Envoy Gateway, plus the sender's message limit, and pprof when profiles are requested. */
export function envoyGatewayValues(grpc: GrpcMessageLimit, pprofAt?: AdminAddress): Record<string, unknown> {
  const includeAll = { includeAll: true };
  return {
    config: {
      envoyGateway: {
        ...(pprofAt && { admin: { address: { host: pprofAt.host, port: pprofAt.port }, enablePprof: true } }),
        gateway: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
        logging: { level: { default: 'info' } },
        provider: { type: 'Kubernetes' },
        // AIServiceBackend references Envoy Gateway Backends, which are off unless enabled.
        extensionApis: { enableEnvoyPatchPolicy: true, enableBackend: true },
        extensionManager: {
          maxMessageSize: grpc.quantity,
          hooks: {
            xdsTranslator: {
              translation: { listener: includeAll, route: includeAll, cluster: includeAll, secret: includeAll },
              post: ['Translation', 'Cluster', 'Route'],
            },
          },
          service: {
            fqdn: {
              hostname: `${AI_GATEWAY_CONTROLLER_SERVICE}.${AI_GATEWAY_NAMESPACE}.svc.cluster.local`,
              port: EXTENSION_SERVER_PORT,
            },
          },
        },
      },
    },
  };
}

/** The receiver's limit: the chart renders it as the controller flag `--maxRecvMsgSize`. */
export function aiGatewayValues(grpc: GrpcMessageLimit): Record<string, unknown> {
  return { controller: { maxRecvMsgSize: String(grpc.bytes) } };
}

export function helmValues(options: HelmValuesOptions = {}): HelmValues {
  const grpc = parseGrpcMessageLimit(options.grpcMaxMessageSize);
  return { grpc, envoyGateway: envoyGatewayValues(grpc, options.pprofAt), aiGateway: aiGatewayValues(grpc) };
}
