import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the stub's AWS account holds: only what hakube's data sources read. Everything a plan creates is
 * planned by the provider without an API call; the data sources (caller identity, machine images, an existing
 * VPC and its subnets, a hosted zone) are the few calls a plan makes.
 */
export interface AwsWorld {
  accountId: string;
  vpcs: Array<{ id: string; cidr: string }>;
  subnets: Array<{ id: string; vpcId: string; cidr: string; zone: string }>;
  /** A private zone answers in the VPCs associated with it (`vpcs`, each with its region). */
  hostedZones: Array<{ id: string; name: string; private: boolean; vpcs: Array<{ id: string; region: string }> }>;
}

export interface AwsStub {
  /** http://127.0.0.1:PORT, for every endpoint of the provider. */
  endpoint: string;
  /** Requests the stub did not know how to answer (each made the provider see an error). */
  unanswered: string[];
  close(): Promise<void>;
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** EC2's Query API filters: Filter.N.Name / Filter.N.Value.M. */
function filters(form: URLSearchParams): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [key, value] of form) {
    const m = /^Filter\.(\d+)\.Name$/.exec(key);
    if (!m) continue;
    const values: string[] = [];
    for (let i = 1; form.has(`Filter.${m[1]}.Value.${i}`); i++) values.push(form.get(`Filter.${m[1]}.Value.${i}`)!);
    found.set(value, values);
  }
  return found;
}

function numbered(form: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; form.has(`${prefix}.${i}`); i++) values.push(form.get(`${prefix}.${i}`)!);
  return values;
}

/** A stable image id per image name: a plan of the same folder always reads the same AMI. */
function imageId(name: string): string {
  return `ami-${createHash('sha256').update(name).digest('hex').slice(0, 17)}`;
}

function describeImages(form: URLSearchParams): string {
  const f = filters(form);
  const items = (f.get('name') ?? []).map((name) => {
    const arch = f.get('architecture')?.[0] ?? (name.includes('arm64') ? 'arm64' : 'x86_64');
    return (
      `<item><imageId>${imageId(name)}</imageId><imageLocation>099720109477/${esc(name)}</imageLocation><imageState>available</imageState>` +
      `<imageOwnerId>099720109477</imageOwnerId><creationDate>2025-10-22T00:00:00.000Z</creationDate><isPublic>true</isPublic>` +
      `<architecture>${esc(arch)}</architecture><imageType>machine</imageType><name>${esc(name)}</name>` +
      `<rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/sda1</rootDeviceName><blockDeviceMapping><item><deviceName>/dev/sda1</deviceName>` +
      `<ebs><snapshotId>snap-0123456789abcdef0</snapshotId><volumeSize>8</volumeSize><deleteOnTermination>true</deleteOnTermination>` +
      `<volumeType>gp3</volumeType><encrypted>false</encrypted></ebs></item></blockDeviceMapping>` +
      `<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor><enaSupport>true</enaSupport><bootMode>uefi-preferred</bootMode></item>`
    );
  });
  return `<DescribeImagesResponse xmlns="${EC2_NS}"><requestId>1</requestId><imagesSet>${items.join('')}</imagesSet></DescribeImagesResponse>`;
}

function ec2(world: AwsWorld, action: string, form: URLSearchParams): string | undefined {
  switch (action) {
    case 'DescribeImages':
      return describeImages(form);
    case 'DescribeInstanceTypes': {
      // What aws_instance's plan asks about the types it is given: EBS-backed, burstable for t*, arm64 for a
      // Graviton family (a g after the generation: m7g, t4g, c6gn), else x86_64.
      const items = numbered(form, 'InstanceType').map(
        (t) =>
          `<item><instanceType>${esc(t)}</instanceType><currentGeneration>true</currentGeneration><burstablePerformanceSupported>${t.startsWith('t')}</burstablePerformanceSupported>` +
          `<hibernationSupported>true</hibernationSupported><supportedRootDeviceTypes><item>ebs</item></supportedRootDeviceTypes>` +
          `<processorInfo><supportedArchitectures><item>${/^[a-z]+\d+[a-z]*g/.test(t) ? 'arm64' : 'x86_64'}</item></supportedArchitectures></processorInfo></item>`,
      );
      return `<DescribeInstanceTypesResponse xmlns="${EC2_NS}"><requestId>1</requestId><instanceTypeSet>${items.join('')}</instanceTypeSet></DescribeInstanceTypesResponse>`;
    }
    case 'GetInstanceUefiData':
      return `<GetInstanceUefiDataResponse xmlns="${EC2_NS}"><requestId>1</requestId><instanceId>${esc(form.get('InstanceId') ?? '')}</instanceId><uefiData></uefiData></GetInstanceUefiDataResponse>`;
    case 'DescribeVpcs': {
      const wanted = new Set([...numbered(form, 'VpcId'), ...(filters(form).get('vpc-id') ?? [])]);
      const items = world.vpcs
        .filter((v) => wanted.size === 0 || wanted.has(v.id))
        .map(
          (v) =>
            `<item><vpcId>${v.id}</vpcId><ownerId>${world.accountId}</ownerId><state>available</state><cidrBlock>${v.cidr}</cidrBlock>` +
            `<cidrBlockAssociationSet><item><cidrBlock>${v.cidr}</cidrBlock><associationId>vpc-cidr-assoc-${v.id.slice(4)}</associationId>` +
            `<cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet>` +
            `<dhcpOptionsId>dopt-0123456789abcdef0</dhcpOptionsId><instanceTenancy>default</instanceTenancy><isDefault>false</isDefault></item>`,
        );
      return `<DescribeVpcsResponse xmlns="${EC2_NS}"><requestId>1</requestId><vpcSet>${items.join('')}</vpcSet></DescribeVpcsResponse>`;
    }
    case 'DescribeVpcAttribute': {
      const attribute = form.get('Attribute') ?? '';
      return `<DescribeVpcAttributeResponse xmlns="${EC2_NS}"><requestId>1</requestId><vpcId>${esc(form.get('VpcId') ?? '')}</vpcId><${attribute}><value>true</value></${attribute}></DescribeVpcAttributeResponse>`;
    }
    case 'DescribeRouteTables': {
      const vpc = filters(form).get('vpc-id')?.[0] ?? '';
      return (
        `<DescribeRouteTablesResponse xmlns="${EC2_NS}"><requestId>1</requestId><routeTableSet><item><routeTableId>rtb-0${vpc.slice(4, 20)}</routeTableId>` +
        `<vpcId>${esc(vpc)}</vpcId><ownerId>${world.accountId}</ownerId><associationSet><item><routeTableAssociationId>rtbassoc-0123456789abcdef0</routeTableAssociationId>` +
        `<routeTableId>rtb-0${vpc.slice(4, 20)}</routeTableId><main>true</main><associationState><state>associated</state></associationState></item></associationSet>` +
        `<routeSet/><tagSet/></item></routeTableSet></DescribeRouteTablesResponse>`
      );
    }
    case 'DescribeNetworkAcls':
    case 'DescribeSecurityGroups': {
      const set = action === 'DescribeNetworkAcls' ? 'networkAclSet' : 'securityGroupInfo';
      return `<${action}Response xmlns="${EC2_NS}"><requestId>1</requestId><${set}/></${action}Response>`;
    }
    case 'DescribeSubnets': {
      const wanted = new Set([...numbered(form, 'SubnetId'), ...(filters(form).get('subnet-id') ?? [])]);
      const items = world.subnets
        .filter((s) => wanted.size === 0 || wanted.has(s.id))
        .map(
          (s) =>
            `<item><subnetId>${s.id}</subnetId><subnetArn>arn:aws:ec2:${s.zone.slice(0, -1)}:${world.accountId}:subnet/${s.id}</subnetArn>` +
            `<state>available</state><ownerId>${world.accountId}</ownerId><vpcId>${s.vpcId}</vpcId><cidrBlock>${s.cidr}</cidrBlock>` +
            `<availableIpAddressCount>4000</availableIpAddressCount><availabilityZone>${s.zone}</availabilityZone><availabilityZoneId>use1-az${s.zone.slice(-1)}</availabilityZoneId>` +
            `<defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch><ipv6CidrBlockAssociationSet/><tagSet/></item>`,
        );
      return `<DescribeSubnetsResponse xmlns="${EC2_NS}"><requestId>1</requestId><subnetSet>${items.join('')}</subnetSet></DescribeSubnetsResponse>`;
    }
    default:
      return undefined;
  }
}

function route53(world: AwsWorld, method: string, path: string): string | undefined {
  const ns = 'https://route53.amazonaws.com/doc/2013-04-01/';
  const hostedZone = (zone: AwsWorld['hostedZones'][number]) =>
    `<HostedZone><Id>/hostedzone/${zone.id}</Id><Name>${esc(zone.name)}.</Name><CallerReference>hakube-test</CallerReference>` +
    `<Config><PrivateZone>${zone.private}</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>`;
  if (method === 'GET' && path === '/2013-04-01/hostedzone') {
    return `<ListHostedZonesResponse xmlns="${ns}"><HostedZones>${world.hostedZones.map(hostedZone).join('')}</HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`;
  }
  const zoneMatch = /^\/2013-04-01\/hostedzone\/([A-Z0-9]+)$/.exec(path);
  if (method === 'GET' && zoneMatch) {
    const zone = world.hostedZones.find((z) => z.id === zoneMatch[1]);
    if (!zone) return undefined;
    const delegation = zone.private ? '' : `<DelegationSet><NameServers><NameServer>ns-1.awsdns-00.com</NameServer></NameServers></DelegationSet>`;
    // GetHostedZone lists a private zone's associated VPCs (Route 53 API Reference, GetHostedZone: "VPCs").
    const vpcs = zone.private ? `<VPCs>${zone.vpcs.map((v) => `<VPC><VPCRegion>${esc(v.region)}</VPCRegion><VPCId>${esc(v.id)}</VPCId></VPC>`).join('')}</VPCs>` : '';
    return `<GetHostedZoneResponse xmlns="${ns}">${hostedZone(zone)}${delegation}${vpcs}</GetHostedZoneResponse>`;
  }
  // The provider reads a private zone's name servers from its NS record set (zone_data_source.go,
  // findNameServersByZone: ListResourceRecordSets from the zone's name, type NS).
  const recordsMatch = /^\/2013-04-01\/hostedzone\/([A-Z0-9]+)\/rrset$/.exec(path);
  if (method === 'GET' && recordsMatch) {
    const zone = world.hostedZones.find((z) => z.id === recordsMatch[1]);
    if (!zone) return undefined;
    return (
      `<ListResourceRecordSetsResponse xmlns="${ns}"><ResourceRecordSets><ResourceRecordSet><Name>${esc(zone.name)}.</Name><Type>NS</Type><TTL>172800</TTL>` +
      `<ResourceRecords><ResourceRecord><Value>ns-1.awsdns-00.com.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets>` +
      `<IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListResourceRecordSetsResponse>`
    );
  }
  const tagMatch = /^\/2013-04-01\/tags\/hostedzone\/([A-Z0-9]+)$/.exec(path);
  if (method === 'GET' && tagMatch) {
    return `<ListTagsForResourceResponse xmlns="${ns}"><ResourceTagSet><ResourceType>hostedzone</ResourceType><ResourceId>${tagMatch[1]}</ResourceId><Tags/></ResourceTagSet></ListTagsForResourceResponse>`;
  }
  return undefined;
}

function answer(world: AwsWorld, req: IncomingMessage, body: string, res: ServerResponse, unanswered: string[]): void {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path.startsWith('/2013-04-01/')) {
    const reply = route53(world, req.method ?? 'GET', path);
    if (reply) return xml(res, 200, reply);
    unanswered.push(`route53 ${req.method} ${path}`);
    return xml(res, 404, `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>not in the stub</Message></Error><RequestId>1</RequestId></ErrorResponse>`);
  }
  const form = new URLSearchParams(body);
  const action = form.get('Action') ?? '';
  if (action === 'GetCallerIdentity') {
    return xml(
      res,
      200,
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${world.accountId}:user/hakube-test</Arn>` +
        `<UserId>AIDAHAKUBETEST</UserId><Account>${world.accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }
  const reply = ec2(world, action, form);
  if (reply) return xml(res, 200, reply);
  unanswered.push(`${action || `${req.method} ${path}`}`);
  xml(res, 400, `<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>the hakube test stub does not answer ${esc(action)}</Message></Error></Errors><RequestID>1</RequestID></Response>`);
}

/** Starts the stub on a free loopback port. Only 127.0.0.1: it never listens beyond this machine. */
export async function startAwsStub(world: AwsWorld): Promise<AwsStub> {
  const unanswered: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(world, req, Buffer.concat(chunks).toString('utf8'), res, unanswered));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    unanswered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
