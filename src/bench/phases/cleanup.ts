import { FIXTURE_LABEL, PART_OF_LABEL, PART_OF_VALUE } from '../../../constructs/conventions';
import { deleteFixtures } from '../../kube/delete';
import { RunContext } from '../run-context';

/** Deletes the fixture unless the run keeps it; what could not be deleted is a failure that says how to finish. */
export async function cleanupPhase(ctx: RunContext): Promise<void> {
  const { cluster, spec, keep } = ctx.options;
  ctx.enter('cleanup', keep ? 'keeping the fixture (--keep)' : `deleting fixture ${spec.fixtureId}`);
  if (keep) return;
  try {
    const deleted = await deleteFixtures(cluster, { fixtureId: spec.fixtureId }, { fixtureLabel: FIXTURE_LABEL, partOfSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}` });
    ctx.liveRoutes.clear();
    if (deleted.remaining.length > 0) ctx.fail(`still present after cleanup: ${deleted.remaining.slice(0, 5).join(', ')}`);
  } catch (error) {
    ctx.fail(`cleanup failed: ${(error as Error).message}; run \`aigw-scale delete --fixture ${spec.fixtureId}\``);
  }
}
