import { describe, expect, it } from 'vitest';
import { blocksOf, emitEdited, resources } from './synthesized.js';

const SPEC = 'examples/private-multigroup.yaml';
const ZONE_LINE = '      hostedZoneId: Z0123456789ABCDEFGHIJ\n';
const withPrivateZone = (value: boolean) => emitEdited(SPEC, ZONE_LINE, `${ZONE_LINE}      privateZone: ${value}\n`);
const withoutPrivateZoneLine = () => emitEdited(SPEC, ZONE_LINE, ZONE_LINE);

describe('API DNS name in a Route53 zone', () => {
  it('associates the VPC with a private zone, and the record (which machines take the API name from) waits for it', () => {
    const emitted = withPrivateZone(true);
    expect(resources(emitted, 'aws_route53_zone_association').get('api')).toEqual({ zone_id: 'Z0123456789ABCDEFGHIJ', vpc_id: '${aws_vpc.cluster.id}' });
    expect(resources(emitted, 'aws_route53_record').get('api')!.depends_on).toEqual(['aws_route53_zone_association.api']);
  });

  it.each([
    ['privateZone: true', true, /is public, but the spec says api\.dns\.privateZone: true/],
    ['no privateZone (default false)', false, /is private: set api\.dns\.privateZone: true \(\/spec\/api\/dns\/privateZone\)/],
  ])('with %s the plan reads the zone and stops when Route53 disagrees', (_label, privateZone, message) => {
    const emitted = privateZone ? withPrivateZone(true) : withoutPrivateZoneLine();
    const zone = blocksOf(emitted, 'data', 'aws_route53_zone').get('api')!;
    expect(zone.zone_id).toBe('Z0123456789ABCDEFGHIJ');
    const [postcondition] = (zone.lifecycle as { postcondition: Array<{ condition: string; error_message: string }> }).postcondition;
    expect(postcondition!.condition).toBe(`\${self.private_zone == ${privateZone}}`);
    expect(postcondition!.error_message).toMatch(message);
    if (!privateZone) {
      expect(resources(emitted, 'aws_route53_zone_association').size).toBe(0);
      expect(resources(emitted, 'aws_route53_record').get('api')!.depends_on).toBeUndefined();
    }
  });
});
