export const ETCD_35_DIR: string;
export type Etcd35Tools = { kind: 'ok'; dir: string; version: string } | { kind: 'missing'; message: string };
export function etcd35Tools(): Etcd35Tools;
export function installEtcd35(): string | undefined;
