#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`.
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    console.error(
      err instanceof Error && err.message.includes('Cannot find module')
        ? 'chimera is not built: run `npm run build` first'
        : err,
    );
    process.exit(70);
  });
