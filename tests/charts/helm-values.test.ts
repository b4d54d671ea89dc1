import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { HelmValuesError, LOCAL_MIN_GRPC_MESSAGE_BYTES, helmValues, parseGrpcMessageLimit } from '../../charts/helm-values';
import { resolveChartsDir } from '../../src/upstream/dirs';

/** True when `actual` contains every key and value of `expected` (arrays compared whole). */
function deepIncludes(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return JSON.stringify(actual) === JSON.stringify(expected);
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([key, value]) => deepIncludes((actual as Record<string, unknown>)[key], value));
}

describe('parseGrpcMessageLimit', () => {
  test.each([
    ['25Mi', 26214400],
    ['4Mi', 4194304],
    ['2Gi', 2147483648],
    ['64Mi', 67108864],
    ['26214400', 26214400],
    ['30M', 30000000],
    ['1.5Gi', 1610612736],
  ])('%s is %d bytes', (quantity, bytes) => {
    expect(parseGrpcMessageLimit(quantity)).toEqual({ quantity, bytes });
  });

  test('defaults to 25Mi', () => {
    expect(parseGrpcMessageLimit()).toEqual({ quantity: '25Mi', bytes: 26214400 });
  });

  test.each(['25MB', 'lots', '-4Mi', '', '25 Mi', '0x10'])('rejects the malformed quantity %j', (quantity) => {
    expect(() => parseGrpcMessageLimit(quantity)).toThrow(HelmValuesError);
    expect(() => parseGrpcMessageLimit(quantity)).toThrow(/allowed: .*from 4Mi to 2Gi/);
  });

  test.each(['4194303', '3Mi', '2049Mi', '3Gi'])('rejects %s as out of range', (quantity) => {
    expect(() => parseGrpcMessageLimit(quantity)).toThrow(/outside 4Mi \(4194304\) … 2Gi \(2147483648\)/);
  });

  test('the local controllers may go down to 64Ki (to reproduce the size failure at a few dozen routes); installs may not', () => {
    expect(parseGrpcMessageLimit('200Ki', LOCAL_MIN_GRPC_MESSAGE_BYTES)).toEqual({ quantity: '200Ki', bytes: 204800 });
    expect(() => parseGrpcMessageLimit('200Ki')).toThrow(/outside 4Mi/);
    expect(() => parseGrpcMessageLimit('32Ki', LOCAL_MIN_GRPC_MESSAGE_BYTES)).toThrow(/outside 64Ki \(65536\) … 2Gi/);
  });

  test('rejects a quantity that is not a whole number of bytes', () => {
    expect(() => parseGrpcMessageLimit('4.0000001Mi')).toThrow(/not a whole number/);
  });
});

describe('helmValues', () => {
  test.each(['4Mi', '25Mi', '1Gi'])('both sides carry the same limit (%s)', (knob) => {
    const values = helmValues({ grpcMaxMessageSize: knob }) as any;
    const sender = parseGrpcMessageLimit(values.envoyGateway.config.envoyGateway.extensionManager.maxMessageSize).bytes;
    const receiver = Number(values.aiGateway.controller.maxRecvMsgSize);
    expect(typeof values.aiGateway.controller.maxRecvMsgSize).toBe('string');
    expect(sender).toBe(receiver);
    expect(receiver).toBe(values.grpc.bytes);
  });

  test('default: 25Mi on Envoy Gateway, "26214400" on AI Gateway', () => {
    const values = helmValues() as any;
    expect(values.envoyGateway.config.envoyGateway.extensionManager.maxMessageSize).toBe('25Mi');
    expect(values.aiGateway).toEqual({ controller: { maxRecvMsgSize: '26214400' } });
  });

  test('profiles requested: Envoy Gateway serves pprof on its admin server at the given address; otherwise the chart default (no pprof)', () => {
    const at = { host: '0.0.0.0', port: 19000 };
    const eg = (values: ReturnType<typeof helmValues>) => (values.envoyGateway as any).config.envoyGateway;
    // Both address fields: Envoy Gateway does not default the port of an address it was given (it would listen on 0).
    expect(eg(helmValues({ pprofAt: at })).admin).toEqual({ address: { host: '0.0.0.0', port: 19000 }, enablePprof: true });
    expect(eg(helmValues()).admin).toBeUndefined();
    // The chart renders config.envoyGateway whole into envoy-gateway.yaml, so `admin` reaches the EnvoyGateway config.
    const apiTypes = fs.readFileSync('/root/go/pkg/mod/github.com/envoyproxy/gateway@v1.8.1/api/v1alpha1/envoygateway_types.go', 'utf8');
    for (const field of ['Admin *EnvoyGatewayAdmin `json:"admin,omitempty"`', 'EnablePprof bool `json:"enablePprof,omitempty"`', 'Address *EnvoyGatewayAdminAddress `json:"address,omitempty"`']) expect(apiTypes).toContain(field);
  });

  const chartsDir = resolveChartsDir();
  test('Envoy Gateway values include everything AI Gateway v1.1.0 documents as required', () => {
    const upstream = YAML.parse(fs.readFileSync(path.join(chartsDir, 'ai-gateway-v1.1.0-eg-values/manifests/envoy-gateway-values.yaml'), 'utf8'));
    expect(deepIncludes(helmValues().envoyGateway, upstream)).toBe(true);
  });

  test('the value paths are the ones the charts read', () => {
    const aiDeployment = fs.readFileSync(path.join(chartsDir, 'ai-gateway-helm-v1.1.0/templates/deployment.yaml'), 'utf8');
    expect(aiDeployment).toContain('--maxRecvMsgSize={{ .Values.controller.maxRecvMsgSize }}');
    for (const version of ['v1.8.1', 'v1.9.0']) {
      const egConfig = fs.readFileSync(path.join(chartsDir, `gateway-helm-${version}/templates/envoy-gateway-config.yaml`), 'utf8');
      expect(egConfig).toContain('.Values.config.envoyGateway');
    }
  });
});
