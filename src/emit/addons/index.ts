export { addonFileNames, addonPlan, emitAddons, type AddonPlan, type AddonStep } from './addon-plan.js';
