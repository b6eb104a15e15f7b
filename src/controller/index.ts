export { Controller, type ControllerOptions, type ControllerEvents } from './controller.js';
export { systemClock, type Clock } from './clock.js';
export { portsForSpec, type RolloutPorts } from './rollout-ports.js';
export { RolloutDriver } from './rollout-driver.js';
