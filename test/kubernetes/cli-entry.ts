// Runs the CLI from source (`node --import tsx test/kubernetes/cli-entry.ts server …`), so a test can SIGKILL a real
// `chimera server` process without depending on a fresh `npm run build`.
import { main } from '../../src/cli/main.js';

await main(process.argv);
