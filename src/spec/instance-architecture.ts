/** CPU architectures hakube boots machines of, named as Debian and Kubernetes name them (kubernetes.io/arch). */
export type Architecture = 'amd64' | 'arm64';

export const ARCHITECTURES: readonly Architecture[] = ['amd64', 'arm64'];

/**
 * Instance families with AWS Graviton (arm64) processors, after AWS's list of Graviton-based instances (Graviton
 * to Graviton4). a1 (the first Graviton) is the one whose name lacks the processor letter g.
 */
export const GRAVITON_FAMILIES: ReadonlySet<string> = new Set([
  'a1',
  't4g',
  'm6g', 'm6gd', 'm7g', 'm7gd', 'm8g', 'm8gd', 'm8gn', 'm8gb',
  'c6g', 'c6gd', 'c6gn', 'c7g', 'c7gd', 'c7gn', 'c8g', 'c8gd', 'c8gn', 'c8gb',
  'r6g', 'r6gd', 'r7g', 'r7gd', 'r8g', 'r8gd', 'r8gn', 'r8gb',
  'x2gd', 'x8g',
  'i4g', 'i8g', 'i8ge', 'im4gn', 'is4gen',
  'g5g',
  'hpc7g',
]);

/**
 * AWS's naming convention puts the processor letter right after the generation digit(s): g for Graviton (m7g, c8gn,
 * is4gen), a for AMD, i for Intel, and nothing for the default (x86) processor of older families.
 */
const GRAVITON_NAME = /^[a-z]+[0-9]+g[a-z]*(-[a-z0-9]+)?$/;

/**
 * The architecture of an instance type: arm64 for a family in the Graviton table; for a family the table does not
 * know yet (a newer generation), arm64 when its name carries the Graviton letter after the generation, else amd64.
 */
export function architectureOfInstanceType(instanceType: string): Architecture {
  const family = instanceType.split('.')[0];
  if (GRAVITON_FAMILIES.has(family)) return 'arm64';
  return GRAVITON_NAME.test(family) ? 'arm64' : 'amd64';
}
