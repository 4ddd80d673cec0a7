export { emitCloudInit, emitFetchedScripts } from './cloud-init.js';
export { etcdConfigOf } from './etcd-config.js';
