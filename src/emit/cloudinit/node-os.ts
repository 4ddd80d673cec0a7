import type { ClusterModel } from '../../model/model.js';
import { pauseImage } from './node-software.js';

export const KUBENET_CNI_TEMPLATE_PATH = '/etc/containerd/kubenet-cni.conflist.template';
export const KUBENET_MASQUERADE_UNIT = 'hakube-kubenet-masquerade.service';

export function kernelModules(): string {
  return 'overlay\nbr_netfilter\n';
}

/**
 * Forwarding and bridged traffic through iptables, as kube-proxy and the CNI need; and the kernel settings the
 * kubelet insists on when protectKernelDefaults is on (CIS 4.2.6), so it starts instead of refusing to.
 */
export function sysctls(): string {
  return [
    'net.bridge.bridge-nf-call-iptables = 1',
    'net.bridge.bridge-nf-call-ip6tables = 1',
    'net.ipv4.ip_forward = 1',
    'vm.overcommit_memory = 1',
    'vm.panic_on_oom = 0',
    'kernel.panic = 10',
    'kernel.panic_on_oops = 1',
    'kernel.keys.root_maxkeys = 1000000',
    'kernel.keys.root_maxbytes = 25000000',
    '',
  ].join('\n');
}

/**
 * containerd's CRI settings (config version 2, which containerd 2.x still reads): systemd cgroups like the
 * kubelet, kubeadm's pause image, and with kubenet a CNI template that containerd fills with the node's pod
 * CIDR (bridge + host-local, as kops does with containerd).
 */
export function containerdConfig(model: ClusterModel): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    '',
    `[${cri}]`,
    `  sandbox_image = "${pauseImage(model)}"`,
    '',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = true',
    '',
    `[${cri}.cni]`,
    '  bin_dir = "/opt/cni/bin"',
    '  conf_dir = "/etc/cni/net.d"',
    ...(model.network.cni === 'kubenet' ? [`  conf_template = "${KUBENET_CNI_TEMPLATE_PATH}"`] : []),
    '',
  ].join('\n');
}

/** containerd renders `{{.PodCIDR}}` (Go template syntax) with the CIDR the controller-manager gave the node. */
export function kubenetCniTemplate(): string {
  const config = {
    cniVersion: '1.0.0',
    name: 'kubenet',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cbr0',
        isGateway: true,
        // Pod-to-pod traffic keeps its source address; traffic leaving the pod network is masqueraded by the unit below.
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '{{.PodCIDR}}' }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Pods reach addresses outside the pod network (the VPC, the internet) through the node's own address. */
export function kubenetMasqueradeUnit(model: ClusterModel): string {
  const pods = model.network.podCIDR;
  return [
    '[Unit]',
    'Description=Masquerade traffic from pods to outside the pod network (kubenet)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=/usr/sbin/iptables -w -t nat -A POSTROUTING -s ${pods} ! -d ${pods} -m addrtype ! --dst-type LOCAL -j MASQUERADE`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
