export const JWKS_FILE: string;
export const BUCKET_OBJECT_HASHES_FILE: string;
export const MANIFEST_FILE: string;
export const UNCOMMITTED: string[];
export function comparable(file: string, bytes: Buffer): Buffer;
export function recordAsWrittenByHakube(outDir: string): void;
