import { Command } from 'commander';
import { DEFAULT_GRPC_MAX_MESSAGE_SIZE, parseGrpcMessageLimit } from '../../../charts/helm-values';
import { Plan, planConfigSize } from '../../plan/config-size';
import { FixtureOptionValues, addFixtureOptions, fixtureSpecFromOptions } from '../fixture-options';
import { formatCount, printResult } from '../output';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** The plan as lines a person reads. */
export function describePlan(plan: Plan): string[] {
  const lines = [
    `routes ${formatCount(plan.input.routes)}, backends ${plan.input.backends}, header mutations ${plan.input.headerMutations}, gRPC limit ${kib(plan.input.grpcMaxMessageBytes)}`,
    `filter config ≈ ${kib(plan.filterConfigBytes)} (${plan.filterConfigBytesPerRoute} B/route); extension request ≈ ${kib(plan.extensionRequestBytes)}, response ≈ ${kib(plan.extensionResponseBytes)} (${plan.extensionMessageBytesPerRoute} B/route)`,
    ...plan.limits.map(
      (l) => `  ${l.crossed ? 'CROSSED' : 'ok     '} ${l.description}: ${kib(l.predictedBytes)} of ${kib(l.limitBytes)}; crossed at ${formatCount(l.crossedAtRoutes)} routes${l.crossed && l.knobToClear ? `; --grpc-max-message-size ${l.knobToClear} clears it` : ''}`,
    ),
    `first limit crossed: ${plan.firstLimit.description} at ${formatCount(plan.firstLimit.crossedAtRoutes)} routes → ${plan.firstLimit.consequence}`,
    ...(plan.firstBlockingLimit !== plan.firstLimit
      ? [`first limit that breaks routing: ${plan.firstBlockingLimit.description} at ${formatCount(plan.firstBlockingLimit.crossedAtRoutes)} routes → ${plan.firstBlockingLimit.consequence}`]
      : []),
    `model: linear fits to what \`npm run bench:grpc-limit\` measured against ${plan.calibration.versions} (tests/plan/measured-sizes.json; src/plan/config-size.ts); other versions or much longer names may differ`,
  ];
  return lines;
}

export function planCommand(): Command {
  const command = new Command('plan')
    .description('predict the AI Gateway filter-config and extension gRPC message sizes, and which limit is crossed first')
    .option('--grpc-max-message-size <quantity>', 'the extension gRPC limit (both sides)', DEFAULT_GRPC_MAX_MESSAGE_SIZE)
    .option('--json', 'print the plan as JSON', false);
  return addFixtureOptions(command, { routesRequired: true }).action((options: FixtureOptionValues & { grpcMaxMessageSize: string; json: boolean }) => {
    const spec = fixtureSpecFromOptions(options);
    const plan = planConfigSize({
      routes: spec.routes,
      backends: spec.backends,
      headerMutations: spec.headerMutations,
      namespace: spec.namespace,
      grpcMaxMessageBytes: parseGrpcMessageLimit(options.grpcMaxMessageSize).bytes,
    });
    printResult(options.json, plan, describePlan(plan).join('\n'));
    if (plan.blocking) process.exitCode = 1;
  });
}
