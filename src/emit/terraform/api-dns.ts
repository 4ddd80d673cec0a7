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
 * The API's Route53 alias of the load balancer; returns its name. Whether the zone is private cannot be known
 * offline, so the spec says it (api.dns.privateZone) and the plan checks it: the zone is read, and a postcondition
 * stops the plan when Route53 disagrees, naming the field to fix. A private zone answers only in its associated
 * VPCs, so the new VPC is associated, and the record waits for that: the machines take the API name from the
 * record, so none boots before the name resolves inside the VPC.
 */
export function buildApiDns(scope: Construct, dns: ApiDns, lb: Lb, vpc: NetworkElement): string {
  const pointer = '/spec/api/dns/privateZone';
  declare(scope, DataAwsRoute53Zone, 'api', {
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
  const association = dns.privateZone ? declare(scope, Route53ZoneAssociation, 'api', { zoneId: dns.hostedZoneId, vpcId: vpc.id }) : undefined;
  const record = declare(scope, Route53Record, 'api', {
    zoneId: dns.hostedZoneId,
    name: dns.name,
    type: 'A',
    alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
    ...(association ? { dependsOn: [association] } : {}),
  });
  return record.fqdn;
}
