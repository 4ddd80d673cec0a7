export { emitCloudInit } from './cloud-init.js';
export { etcdConfigOf } from './etcd-config.js';
