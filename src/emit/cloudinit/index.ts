export { controlPlaneCloudInit, emitCloudInit, workerCloudInit, ETCD_VOLUME_XEN_DEVICES, NODE_PATHS } from './cloud-init.js';
export { ETCD_CONFIG_PATH, ETCD_DATA_DIR, etcdConfigOf, etcdEndpoints, type EtcdConfig } from './etcd-config.js';
export { clusterBucketObjects, objectsFetchedBy, type Machine } from './machine-files.js';
