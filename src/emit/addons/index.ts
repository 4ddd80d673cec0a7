export { addonFileNames, emitAddons } from './addon-plan.js';
