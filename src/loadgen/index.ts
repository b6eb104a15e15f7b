export { startLoad, type LoadHandle, type LoadOptions, type LoadStats } from './load.js';
