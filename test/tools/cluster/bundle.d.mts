export const repoRoot: string;
export function bundleAdapter(outfile: string, opts?: { entry?: string }): Promise<string>;
