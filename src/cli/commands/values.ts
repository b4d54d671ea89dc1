import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { DEFAULT_GRPC_MAX_MESSAGE_SIZE, helmValues } from '../../../charts/helm-values';
import { printResult } from '../output';

export const ENVOY_GATEWAY_VALUES_FILE = 'envoy-gateway-values.yaml';
export const AI_GATEWAY_VALUES_FILE = 'ai-gateway-values.yaml';

export function valuesCommand(): Command {
  return new Command('values')
    .description('write Helm values for Envoy Gateway and AI Gateway with the extension gRPC limit raised on both sides')
    .option('--grpc-max-message-size <quantity>', 'gRPC message limit for the extension call, 4Mi..2Gi', DEFAULT_GRPC_MAX_MESSAGE_SIZE)
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the effective limits and file paths as JSON', false)
    .action((options: { grpcMaxMessageSize: string; out: string; json: boolean }) => {
      const values = helmValues({ grpcMaxMessageSize: options.grpcMaxMessageSize }); // validates first
      fs.mkdirSync(options.out, { recursive: true });
      const files = {
        envoyGateway: path.join(options.out, ENVOY_GATEWAY_VALUES_FILE),
        aiGateway: path.join(options.out, AI_GATEWAY_VALUES_FILE),
      };
      fs.writeFileSync(files.envoyGateway, YAML.stringify(values.envoyGateway, { aliasDuplicateObjects: false }));
      fs.writeFileSync(files.aiGateway, YAML.stringify(values.aiGateway));
      printResult(
        options.json,
        { grpcMaxMessageSize: values.grpc, files },
        `wrote ${files.envoyGateway} (extensionManager.maxMessageSize ${values.grpc.quantity}) and ` +
          `${files.aiGateway} (controller.maxRecvMsgSize "${values.grpc.bytes}")`,
      );
    });
}
