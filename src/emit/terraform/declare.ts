import { Construct } from 'constructs';
import { TerraformOutput, type TerraformElement, type TerraformOutputConfig } from 'cdktf';

/** A cdktf resource or data-source class: every generated provider binding has this shape. */
export interface ElementClass<C, E extends TerraformElement> {
  new (scope: Construct, id: string, config: C): E;
  readonly tfResourceType: string;
}

/**
 * Declares a resource or data source under the logical name `logicalId`. cdktf would otherwise derive
 * the name from the construct path plus a hash; a name taken from the spec (member, group, zone) keeps
 * Terraform addresses stable when unrelated parts of the spec change.
 */
export function declare<C, E extends TerraformElement>(scope: Construct, kind: ElementClass<C, E>, logicalId: string, config: C): E {
  const element = new kind(scope, `${kind.tfResourceType}.${logicalId}`, config);
  element.overrideLogicalId(logicalId);
  return element;
}

export function declareOutput(scope: Construct, logicalId: string, config: TerraformOutputConfig): TerraformOutput {
  const output = new TerraformOutput(scope, `output.${logicalId}`, config);
  output.overrideLogicalId(logicalId);
  return output;
}
