import type { MachineIdentity } from './iam.js';
import type { MachineImage } from './image-and-ssh-key.js';
import type { NetworkResources } from './network.js';
import type { SecurityGroups } from './security-groups.js';

/** What the control-plane and worker builders take from the other builders. */
export interface MachineInputs {
  network: NetworkResources;
  groups: SecurityGroups;
  /** Instance profile of the machine's role. */
  identity: MachineIdentity;
  image: MachineImage;
  /** Terraform expression for the secrets bucket's name (passed to templatefile()). */
  bucketName: string;
  /** Terraform expression for the API's DNS name (passed to templatefile()). */
  apiEndpoint: string;
}
