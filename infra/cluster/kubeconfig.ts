/**
 * An existing cluster named by a kubeconfig file and context: any cluster you already have, or the local
 * control plane from `npx aigw-scale local up` (kubeconfig `.aigw-scale/local/kubeconfig`). Nothing is
 * created; the provider and our CLI read the file where it is (relative certificate paths keep working).
 */

import * as fs from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { KubeconfigSettings } from '../config';
import { ClusterImplementation } from './types';

export function kubeconfigCluster(settings: KubeconfigSettings): ClusterImplementation {
  return {
    kubeconfig: pulumi.secret(fs.readFileSync(settings.path, 'utf8')),
    name: settings.effectiveContext,
    providerArgs: { kubeconfig: settings.path, context: settings.context },
    access: { kubeconfigPath: settings.path, context: settings.context },
  };
}
