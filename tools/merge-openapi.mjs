// merge-openapi.mjs FRAGMENT...: merge OpenAPI fragments (top-level `paths`
// and `components`) into openapi.yaml, keeping comments and order; a key
// that already exists is replaced. Run from the repo root with the `yaml`
// package of tests/api: node tools/merge-openapi.mjs openapi/fragments/x.yaml
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/api/package.json', import.meta.url));
const YAML = require('yaml');

const main = YAML.parseDocument(readFileSync('openapi.yaml', 'utf8'));
for (const file of process.argv.slice(2)) {
  const frag = YAML.parseDocument(readFileSync(file, 'utf8'));
  for (const top of ['paths', 'components']) {
    const node = frag.get(top, true);
    if (!node) continue;
    for (const pair of node.items) {
      const key = pair.key.value ?? pair.key;
      if (top === 'paths') {
        main.setIn(['paths', key], pair.value);
        continue;
      }
      for (const inner of pair.value.items) {
        main.setIn(['components', key, inner.key.value ?? inner.key], inner.value);
      }
    }
  }
}
writeFileSync('openapi.yaml', main.toString({ lineWidth: 0 }));
