#!/bin/bash
# hakube: installs the add-ons of shared.example.com. control-plane-1 runs it once, right after `kubeadm init`;
# running it again applies the same pinned versions and files again.
set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
export HOME=/root
ADDONS=/etc/kubernetes/hakube/addons

log() {
  echo "hakube: $*" >&2
}

# retry ATTEMPTS COMMAND...: runs COMMAND until it succeeds, waiting 5 s and then twice as long each time, at
# most 60 s; after ATTEMPTS tries it gives up, so a broken dependency fails the boot visibly instead of hanging.
retry() {
  local attempts=$1 delay=5 n=1
  shift
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      log "giving up after $n attempts: $*"
      return 1
    fi
    sleep "$delay"
    n=$((n + 1))
    delay=$((delay * 2 > 60 ? 60 : delay * 2))
  done
}

# Add-ons come from public mirrors (helm charts, manifests, images) that may be slow or briefly down: each step
# is retried for up to 10 minutes (retry_for), then the script gives up. What it is doing, what
# it finished and where it stopped is in /var/lib/hakube/addons-status (docs/node-boot.md).
STATUS=/var/lib/hakube/addons-status
install -d -m 0755 "$(dirname "$STATUS")"
current_step='starting'
set_status() {
  echo "$1" >"$STATUS"
}
on_exit() {
  local code=$?
  if [ "$code" -ne 0 ]; then
    set_status "failed at: $current_step (exit $code); rerun /usr/local/sbin/hakube-addons as root once the cause is fixed"
    log "ADD-ONS FAILED at: $current_step; see $STATUS"
  fi
}
trap on_exit EXIT
set_status 'running'

# retry_for SECONDS COMMAND...: like retry, but bounded by time rather than attempts (waits of 5 s doubling to 60 s).
retry_for() {
  local limit=$1 delay=5
  local deadline=$((SECONDS + limit))
  shift
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "giving up after trying for $limit s: $*"
      return 1
    fi
    sleep "$delay"
    delay=$((delay * 2 > 60 ? 60 : delay * 2))
  done
}
STEP_SECONDS=600

install_helm() {
  local arch download
  arch=$(dpkg --print-architecture)
  download=$(mktemp -d)
  retry_for "$STEP_SECONDS" curl -fsSL -o "$download/helm.tar.gz" "https://get.helm.sh/helm-v3.19.0-linux-$arch.tar.gz"
  retry_for "$STEP_SECONDS" curl -fsSL -o "$download/helm.sha256sum" "https://get.helm.sh/helm-v3.19.0-linux-$arch.tar.gz.sha256sum"
  echo "$(cut -d' ' -f1 "$download/helm.sha256sum")  $download/helm.tar.gz" | sha256sum --check --strict -
  tar -xzf "$download/helm.tar.gz" -C "$download"
  install -m 0755 "$download/linux-$arch/helm" /usr/local/bin/helm
  rm -rf "$download"
}

current_step='helm v3.19.0'
log "installing helm v3.19.0"
install_helm

# with_queue_url QUEUE KEY COMMAND...: runs the helm COMMAND with the value KEY set to the URL of the SQS queue
# QUEUE, asked from SQS with this machine's role (the URL holds the account id, which hakube never writes down).
with_queue_url() {
  local queue=$1 key=$2 url
  shift 2
  url=$(python3 -c 'import sys, boto3; print(boto3.client("sqs", region_name=sys.argv[1]).get_queue_url(QueueName=sys.argv[2])["QueueUrl"])' 'us-east-1' "$queue") || return 1
  "$@" --set-string "$key=$url"
}

# control_plane_behind: prints the kubelet version of the oldest control-plane member when it is of an older minor
# than the one these add-ons are pinned for (1.34), nothing when every member is at it; fails when no
# member is listed. A member runs its API server at its kubelet's version (hakube-upgrade-cluster).
control_plane_behind() {
  local oldest
  oldest=$(kubectl get nodes --selector node-role.kubernetes.io/control-plane \
    --output 'jsonpath={range .items[*]}{.status.nodeInfo.kubeletVersion}{"\n"}{end}' | sed '/^$/d' | sort -V | head -n 1) || return 1
  [ -n "$oldest" ] || return 1
  if [ "$(printf '%s\n%s\n' "$oldest" 'v1.34.0' | sort -V | head -n 1)" != 'v1.34.0' ]; then
    echo "$oldest"
  fi
}

current_step='waiting for the API server'
retry_for "$STEP_SECONDS" kubectl get --raw /readyz >/dev/null

# Add-ons pinned per minor (the cloud-controller-manager, the autoscaler, Cilium) must never be newer than an API
# server: during a rollout to a new minor they move only once every control-plane member runs it, whichever member
# was replaced first. Until then hakube-addons.timer runs this script again every 10 minutes.
current_step='reading the control-plane members versions'
behind=$(retry_for "$STEP_SECONDS" control_plane_behind)
if [ -n "$behind" ]; then
  set_status "waiting: a control-plane member still runs $behind, older than 1.34; hakube-addons.timer tries again every 10 minutes"
  log "a control-plane member still runs $behind: the add-ons for 1.34 wait until every member runs 1.34"
  systemctl enable --now hakube-addons.timer
  exit 0
fi

current_step='Calico CNI'
log 'Calico CNI'
retry_for "$STEP_SECONDS" kubectl apply --server-side --force-conflicts -f 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/calico.yaml'

current_step='AWS cloud-controller-manager'
log 'AWS cloud-controller-manager'
retry_for "$STEP_SECONDS" helm upgrade --install aws-cloud-controller-manager aws-cloud-controller-manager --repo 'https://kubernetes.github.io/cloud-provider-aws' --version 0.0.10 --namespace kube-system --values "$ADDONS/aws-cloud-controller-manager-values.yaml"

current_step='AWS EBS CSI driver'
log 'AWS EBS CSI driver'
retry_for "$STEP_SECONDS" helm upgrade --install aws-ebs-csi-driver aws-ebs-csi-driver --repo 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver' --version 2.48.0 --namespace kube-system --values "$ADDONS/aws-ebs-csi-driver-values.yaml"

current_step='AWS EBS CSI controller on the host network'
log 'AWS EBS CSI controller on the host network'
retry_for "$STEP_SECONDS" kubectl --namespace kube-system patch deployment/ebs-csi-controller --type strategic --patch '{"spec":{"template":{"spec":{"hostNetwork":true,"dnsPolicy":"ClusterFirstWithHostNet"}}}}'

current_step='aws-node-termination-handler (queue mode)'
log 'aws-node-termination-handler (queue mode)'
retry_for "$STEP_SECONDS" with_queue_url 'shared-example-com-node-termination' queueURL helm upgrade --install aws-node-termination-handler 'oci://public.ecr.aws/aws-ec2/helm/aws-node-termination-handler' --version 0.27.1 --namespace kube-system --values "$ADDONS/aws-node-termination-handler-values.yaml"

current_step='aws-node-termination-handler on the host network'
log 'aws-node-termination-handler on the host network'
retry_for "$STEP_SECONDS" kubectl --namespace kube-system patch deployment/aws-node-termination-handler --type strategic --patch '{"spec":{"template":{"spec":{"hostNetwork":true,"dnsPolicy":"ClusterFirstWithHostNet"}}}}'

current_step='Default StorageClass: encrypted gp3'
log 'Default StorageClass: encrypted gp3'
retry_for "$STEP_SECONDS" kubectl apply --server-side --force-conflicts -f "$ADDONS/storage-class.yaml"

current_step='metrics-server'
log 'metrics-server'
retry_for "$STEP_SECONDS" helm upgrade --install metrics-server metrics-server --repo 'https://kubernetes-sigs.github.io/metrics-server/' --version 3.13.0 --namespace kube-system --values "$ADDONS/metrics-server-values.yaml"

set_status 'installed'
systemctl disable --now hakube-addons.timer
log "add-ons installed"
