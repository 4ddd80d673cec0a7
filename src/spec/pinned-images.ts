import type { Architecture } from './instance-architecture.js';

/**
 * hakube's pinned Ubuntu images, one exact Canonical image name per LTS release (amd64; arm64 machines get the
 * same name's arm64 image, see imageNameFor). A name, not an id:
 * Canonical publishes the same name in every region, and Terraform looks it up there. Pinning means a new Ubuntu
 * release never rolls a cluster on its own; bumping an entry here changes the generated Terraform of every
 * cluster that does not name its own image, so the bump is reviewed as a diff like any spec change.
 * Names follow Canonical's scheme (ubuntu/images/<volume-type>/ubuntu-<codename>-<release>-amd64-server-<serial>).
 */
export const PINNED_UBUNTU_IMAGES: Record<'22.04' | '24.04', string> = {
  '22.04': 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20251015',
  '24.04': 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251022',
};

/** The release an image name is of ("22.04" for a jammy image), or undefined for a name of another shape. */
export function releaseOfImageName(name: string): '22.04' | '24.04' | undefined {
  if (name.includes('-jammy-22.04-')) return '22.04';
  if (name.includes('-noble-24.04-')) return '24.04';
  return undefined;
}

/**
 * The name of the image of `architecture` for an amd64 image name: Canonical builds each serial for both architectures
 * and names them alike (ubuntu-noble-24.04-arm64-server-20251022 beside ubuntu-noble-24.04-amd64-server-20251022).
 */
export function imageNameFor(amd64Name: string, architecture: Architecture): string {
  return architecture === 'amd64' ? amd64Name : amd64Name.replace('-amd64-', `-${architecture}-`);
}
