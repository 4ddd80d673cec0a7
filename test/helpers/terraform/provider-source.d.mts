export type AwsProviderSource =
  | { kind: 'registry' }
  | { kind: 'mirror'; mirror: string; version: string }
  | { kind: 'missing'; message: string };
export const MIRROR_CANDIDATES: string[];
export function awsProviderSource(env?: NodeJS.ProcessEnv): AwsProviderSource;
export function cliConfigFor(source: AwsProviderSource): string | undefined;
