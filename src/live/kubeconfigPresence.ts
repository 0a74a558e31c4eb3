import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Whether a kubeconfig file exists where client-node would look (every path of KUBECONFIG, else ~/.kube/config).
 * A cheap check at startup: the welcome view can say "no kubeconfig" without loading the Kubernetes client.
 */
export function kubeconfigPresent(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): boolean {
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.trim() !== '');
  const candidates = listed.length ? listed : [path.join(home, '.kube', 'config')];
  return candidates.some((p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
