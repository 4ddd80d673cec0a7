/** One file of the output folder, as an emitter produces it. Paths are relative and use '/'. */
export interface GeneratedFile {
  path: string;
  content: string | Uint8Array;
  /** 0o600 for anything holding a private key or secret; default 0o644. */
  mode?: number;
}
