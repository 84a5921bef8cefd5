/** Writes deploy/base and deploy/overlays/* from the install rendering (`npm run generate:deploy`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployFiles } from '../src/install/deploy-files.ts';

const deploy = fileURLToPath(new URL('../deploy', import.meta.url));
for (const [path, text] of deployFiles()) {
  const target = join(deploy, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote deploy/${path}\n`);
}
