import type { Construct } from 'constructs';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone/index.js';
import type { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { Route53ZoneAssociation } from '@cdktf/provider-aws/lib/route53-zone-association/index.js';
import type { NetworkElement } from './network.js';
import type { ClusterModel } from '../../model/model.js';
import { declare } from './declare.js';

export type ApiDns = NonNullable<ClusterModel['api']['dns']>;

/**
 * How the cluster's VPC comes to resolve the API name. A public zone answers everywhere. A private zone answers only
 * in its associated VPCs: hakube associates the VPC it creates; an existing VPC's associations are its owner's
 * (associating a VPC that is already associated fails, and destroying the association would cut every other workload
 * of the VPC off the zone), so hakube only checks that one exists, unless the spec asks it to associate (associateVpc).
 */
export function vpcAssociation(model: Pick<ClusterModel, 'api' | 'network'>): 'none' | 'associate' | 'check' {
  const dns = model.api.dns;
  if (!dns?.privateZone) return 'none';
  return !model.network.networkID || dns.associateVpc ? 'associate' : 'check';
}

/**
 * The API's Route53 alias of the load balancer; returns its name. Whether the zone is private cannot be known
 * offline, so the spec says it (api.dns.privateZone) and the plan checks it: the zone is read, and a postcondition
 * stops the plan when Route53 disagrees, naming the field to fix. The record waits for an association hakube makes:
 * the machines take the API name from the record, so none boots before the name resolves inside the VPC.
 */
export function buildApiDns(scope: Construct, model: ClusterModel, lb: Lb, vpc: NetworkElement): string {
  const dns = model.api.dns;
  if (!dns) throw new Error('BUG: buildApiDns called for a cluster without api.dns');
  const pointer = '/spec/api/dns/privateZone';
  const zone = declare(scope, DataAwsRoute53Zone, 'api', {
    zoneId: dns.hostedZoneId,
    lifecycle: {
      postcondition: [
        {
          condition: `\${self.private_zone == ${dns.privateZone}}`,
          errorMessage: dns.privateZone
            ? `hosted zone ${dns.hostedZoneId} is public, but the spec says api.dns.privateZone: true (${pointer}); remove it or name the private zone`
            : `hosted zone ${dns.hostedZoneId} is private: set api.dns.privateZone: true (${pointer}) so hakube associates the cluster's VPC with it, else the machines cannot resolve ${dns.name}`,
        },
      ],
    },
  });
  const association = vpcAssociation(model);
  if (association === 'check') checkExistingAssociation(scope, dns, zone, vpc);
  const created = association === 'associate' ? declare(scope, Route53ZoneAssociation, 'api', { zoneId: dns.hostedZoneId, vpcId: vpc.id }) : undefined;
  const record = declare(scope, Route53Record, 'api', {
    zoneId: dns.hostedZoneId,
    name: dns.name,
    type: 'A',
    alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
    ...(created ? { dependsOn: [created] } : {}),
  });
  return record.fqdn;
}

/**
 * The plan-time check that the existing VPC is associated with the private zone. No data source of the AWS provider
 * exports a zone's VPCs; aws_route53_zone looked up by name with vpc_id keeps only the private zones of that name
 * whose VPCs include it (hashicorp/terraform-provider-aws internal/service/route53/zone_data_source.go: with vpc_id
 * set and no zone_id it lists the zones and, for each, "for _, v := range zoneDetails.VPCs { if
 * aws.ToString(v.VPCId) == vpcID { matchingVPC = true"; with zone_id the id alone is looked up, so the name is given
 * instead). Found nothing, it fails the plan with "no matching Route 53 Hosted Zone found" at this block's address,
 * which says what is missing. A VPC has at most one private zone of a name (Route53's ConflictingDomainExists, Route 53
 * API Reference, AssociateVPCWithHostedZone: "The VPC that you specified is already associated with another hosted
 * zone that has the same name"); found another one than the spec's, the postcondition says so.
 */
function checkExistingAssociation(scope: Construct, dns: ApiDns, zone: DataAwsRoute53Zone, vpc: NetworkElement): void {
  declare(scope, DataAwsRoute53Zone, 'api_associated_with_vpc', {
    name: zone.name,
    privateZone: true,
    vpcId: vpc.id,
    lifecycle: {
      postcondition: [
        {
          condition: `\${self.zone_id == ${JSON.stringify(dns.hostedZoneId)}}`,
          errorMessage: `the private zone ${dns.hostedZoneId} is not associated with the existing VPC (another zone of its name, \${self.zone_id}, is): associate it (aws route53 associate-vpc-with-hosted-zone), or set api.dns.associateVpc: true (/spec/api/dns/associateVpc) to have hakube do it`,
        },
      ],
    },
  });
}
