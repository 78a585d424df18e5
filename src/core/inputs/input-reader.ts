// TEMPORARY shim
export { InputError, type InputProblem } from './config.ts';
