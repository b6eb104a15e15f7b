/**
 * Runs the CLI from the TypeScript sources (`node --import tsx src/proxy/entry.ts proxy ...`). The router spawns
 * the proxy this way when Chimera itself runs from source (tests, `tsx`); the built CLI is `bin/chimera.js`.
 */
import { main } from '../cli/main.js';

await main(process.argv);
