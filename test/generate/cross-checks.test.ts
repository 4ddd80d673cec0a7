import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { NODE_PATHS } from '../../src/emit/cloudinit/cloud-init.js';
import { ETCD_CONFIG_PATH } from '../../src/emit/cloudinit/etcd-config.js';
import { emitTerraform } from '../../src/emit/terraform/emit-terraform.js';
import { CONTROL_PLANE_TEMPLATE_VARS, NODE_TEMPLATE_VARS } from '../../src/model/bootstrap-contract.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { validateFile } from '../../src/spec/validate.js';
import { parseCloudConfig, writtenFile } from '../cloudinit/cloud-config.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';
import { stableObjectHashes } from '../helpers/object-hashes.js';

type Json = Record<string, any>;

const EXAMPLES = ['examples/myfirstcluster.yaml', 'examples/private-multigroup.yaml', 'examples/five-members.yaml'];

/**
 * The three outputs checked against each other, not each against the model: what Terraform uploads and
 * assigns, what cloud-init fetches and listens on, and what the security groups open.
 */
describe.each(EXAMPLES)('%s: Terraform and cloud-init agree', (example) => {
  const { model } = validateFile(example);
  const terraform: Json = {};
  for (const file of emitTerraform(model, bucketObjects(model, addonFileNames(model)), stableObjectHashes(bucketObjects(model, addonFileNames(model))))) {
    for (const [block, body] of Object.entries(JSON.parse(String(file.content)) as Json)) {
      for (const [type, items] of Object.entries(body as Json)) {
        terraform[block] ??= {};
        terraform[block][type] = { ...(terraform[block][type] ?? {}), ...(items as Json) };
      }
    }
  }
  const resources = (type: string): Json => terraform.resource?.[type] ?? {};
  const cloudInit = new Map(emitCloudInit(model).map((f) => [f.path, String(f.content)]));
  const render = (path: string, vars: readonly string[]) => parseCloudConfig(renderTemplatefile(cloudInit.get(path)!, realisticValues(vars)));
  const userDataPath = (expression: string) => /"(cloud-init\/[^"]+\.yaml)"/.exec(expression)?.[1];

  /** Which cloud-init file each machine boots from, read from the Terraform itself. */
  const instances = Object.values(resources('aws_instance')).map((i) => ({ privateIp: i.private_ip as string, userData: userDataPath(i.user_data_base64)! }));
  const launchTemplates = Object.values(resources('aws_launch_template')).map((t) => userDataPath(t.user_data)!);

  const fetched = (config: ReturnType<typeof parseCloudConfig>) =>
    writtenFile(config, NODE_PATHS.fetchList)
      .content.split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => l.split(' ')[0]);

  it('every machine boots from a cloud-init file that exists, and every file is used', () => {
    expect([...instances.map((i) => i.userData), ...launchTemplates].sort()).toEqual([...cloudInit.keys()].sort());
  });

  it('the objects machines fetch are exactly the objects Terraform uploads, each from its own role prefix', () => {
    const uploaded = new Set(Object.values(resources('aws_s3_object')).filter((o) => o.bucket === '${aws_s3_bucket.secrets.id}').map((o) => o.key as string));
    const fetchedByAnyone = new Set<string>();
    for (const { userData } of instances) {
      for (const key of fetched(render(userData, Object.values(CONTROL_PLANE_TEMPLATE_VARS)))) {
        expect(uploaded.has(key), `${userData} fetches ${key}, which Terraform does not upload`).toBe(true);
        expect(key.startsWith('control-plane/')).toBe(true);
        fetchedByAnyone.add(key);
      }
    }
    for (const path of launchTemplates) {
      for (const key of fetched(render(path, Object.values(NODE_TEMPLATE_VARS)))) {
        expect(uploaded.has(key), `${path} fetches ${key}, which Terraform does not upload`).toBe(true);
        expect(key.startsWith('nodes/')).toBe(true);
        fetchedByAnyone.add(key);
      }
    }
    expect([...fetchedByAnyone].sort()).toEqual([...uploaded].sort());
  });

  it('etcd on each machine lists exactly the addresses Terraform assigns and listens on its own', () => {
    const assigned = instances.map((i) => i.privateIp).sort();
    for (const { privateIp, userData } of instances) {
      const etcd = parse(writtenFile(render(userData, Object.values(CONTROL_PLANE_TEMPLATE_VARS)), ETCD_CONFIG_PATH).content) as Json;
      const initial = String(etcd['initial-cluster'])
        .split(',')
        .map((entry) => new URL(entry.split('=')[1]).hostname)
        .sort();
      expect(initial).toEqual(assigned);
      expect(String(etcd['listen-peer-urls'])).toContain(`https://${privateIp}:2380`);
      expect(String(etcd['listen-client-urls'])).toContain(`https://${privateIp}:2379`);
    }
  });

  it('the security groups let etcd, the API and the kubelet be reached on the ports cloud-init configures', () => {
    const rules = Object.values(resources('aws_vpc_security_group_ingress_rule'));
    const opens = (target: string, source: string, port: number) =>
      rules.some(
        (r) =>
          r.security_group_id === `\${aws_security_group.${target}.id}` &&
          r.referenced_security_group_id === `\${aws_security_group.${source}.id}` &&
          (r.ip_protocol === '-1' || (r.ip_protocol === 'tcp' && r.from_port <= port && port <= r.to_port)),
      );
    const { userData } = instances[0];
    const config = render(userData, Object.values(CONTROL_PLANE_TEMPLATE_VARS));
    const etcd = parse(writtenFile(config, ETCD_CONFIG_PATH).content) as Json;
    for (const url of [String(etcd['listen-client-urls']), String(etcd['listen-peer-urls'])].flatMap((u) => u.split(','))) {
      const { hostname, port } = new URL(url);
      if (hostname === '127.0.0.1') continue;
      expect(opens('control_plane', 'control_plane', Number(port)), `etcd port ${port} between members`).toBe(true);
    }
    // Member 1 may initialize or join (a replaced machine joins); both configurations must bind the same port.
    const ports = ['kubeadm-init.yaml.in', 'kubeadm-join.yaml.in'].map((f) => Number(/bindPort: (\d+)/.exec(writtenFile(config, `/etc/kubernetes/hakube/${f}`).content)?.[1]));
    const apiPort = ports[0];
    expect(ports).toEqual([6443, 6443]);
    expect(opens('control_plane', 'api_load_balancer', apiPort)).toBe(true);
    expect(opens('control_plane', 'nodes', apiPort)).toBe(true);
    expect(resources('aws_lb_target_group').api.port).toBe(apiPort);
    for (const target of ['control_plane', 'nodes']) expect(opens(target, 'control_plane', 10250), `kubelet on ${target}`).toBe(true);
  });
});
