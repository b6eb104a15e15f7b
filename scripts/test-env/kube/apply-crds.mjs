// Applies CustomResourceDefinitions from YAML files to the test API server and waits until they are Established.
// Usage: node apply-crds.mjs <kubeconfig> <file.yaml>...
// Only the groups Chimera uses are applied (Istio's bundle holds every Istio CRD; networking is all we need).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parseAllDocuments, parse } from 'yaml';

const WANTED_GROUPS = new Set([
  'gateway.networking.k8s.io',
  'networking.istio.io',
  'split.smi-spec.io',
  'specs.smi-spec.io',
]);
const [kubeconfigPath, ...files] = process.argv.slice(2);
const kc = parse(readFileSync(kubeconfigPath, 'utf8'));
const server = new URL(kc.clusters[0].cluster.server);
const ca = readFileSync(kc.clusters[0].cluster['certificate-authority']);
const token = kc.users[0].user.token;

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: server.hostname,
        port: server.port,
        method,
        path,
        ca,
        timeout: 30_000,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const names = [];
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition' || !WANTED_GROUPS.has(crd.spec.group)) continue;
    names.push(crd.metadata.name);
    let res = await call('POST', base, crd);
    if (res.status === 409) {
      const current = await call('GET', `${base}/${crd.metadata.name}`);
      crd.metadata.resourceVersion = current.body.metadata.resourceVersion;
      res = await call('PUT', `${base}/${crd.metadata.name}`, crd);
    }
    if (res.status >= 300) {
      console.error(`applying ${crd.metadata.name} failed: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
      process.exit(1);
    }
  }
}
for (const name of names) {
  for (let i = 0; ; i++) {
    const res = await call('GET', `${base}/${name}`);
    const established = res.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    if (established) break;
    if (i > 120) {
      console.error(`CRD ${name} not Established after 60s`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.error(`[apply-crds] ${names.length} CRDs established: ${names.join(', ')}`);
