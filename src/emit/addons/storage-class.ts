import type { IStorageClass } from 'kubernetes-models/storage.k8s.io/v1';

export const DEFAULT_STORAGE_CLASS = 'gp3-encrypted';

/** The cluster's default StorageClass: encrypted gp3 volumes from the EBS CSI driver, made in the pod's zone. */
export function defaultStorageClass(): IStorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
    reclaimPolicy: 'Delete',
    // A volume lives in one zone: wait for the pod to be scheduled so the volume is made where the pod runs.
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}
