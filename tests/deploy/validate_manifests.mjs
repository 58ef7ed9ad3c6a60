// Validates Kubernetes manifests against the API schemas of the
// kubernetes-models package: node validate_manifests.mjs FILE...
// Every document must be of a kind listed below; any other kind, a schema
// violation (types, required fields, formats) or a field the API does not
// define is reported, and the exit status is 1. The models' validate() allows
// unknown fields, so a misspelt field would pass it silently: the models'
// TypeScript interfaces catch those (excess property checks).
// Runs from the folder where its npm packages are installed (tests/deploy/lint.sh).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

const kinds = {
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "apps/v1/StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "autoscaling/v2/HorizontalPodAutoscaler":
    "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
};
// Not an API object: kustomize reads it on the client side.
const clientSideKinds = new Set(["kustomize.config.k8s.io/v1beta1/Kustomization"]);

let failures = 0;
let checked = 0;
const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "tmp"), { recursive: true });
const typeCheckDir = mkdtempSync(join(here, "tmp", "manifests-"));
const typeChecks = [];  // {path, where}
for (const file of process.argv.slice(2)) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const document of documents) {
    if (document.errors.length > 0) {
      console.error(`${file}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }
    const object = document.toJS();
    if (object === null) {
      continue;
    }
    const key = `${object.apiVersion}/${object.kind}`;
    const where = `${file}: ${key} ${object.metadata?.name ?? "(no name)"}`;
    if (clientSideKinds.has(key)) {
      continue;
    }
    if (!(key in kinds)) {
      console.error(`${where}: kind not known to this check`);
      failures++;
      continue;
    }
    const path = join(typeCheckDir, `object${typeChecks.length}.mts`);
    writeFileSync(
      path,
      `import type { I${object.kind} } from "${kinds[key]}";\n` +
        `const object: I${object.kind} = ${JSON.stringify(object, null, 2)};\n` +
        `void object;\n`,
    );
    typeChecks.push({ path, where });
    const module = await import(kinds[key]);
    const Model = module[object.kind];
    try {
      new Model(object).validate();
      checked++;
      console.log(`ok    ${where}`);
    } catch (error) {
      console.error(`FAIL  ${where}: ${error.message}`);
      failures++;
    }
  }
}
const program = ts.createProgram(
  typeChecks.map((check) => check.path),
  {
    noEmit: true,
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  },
);
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const check = typeChecks.find((c) => c.path === diagnostic.file?.fileName);
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
  console.error(`FAIL  ${check ? check.where : "type check"}: ${message}`);
  failures++;
}
rmSync(typeCheckDir, { recursive: true, force: true });
console.log(`${checked} objects checked, ${failures} problems`);
process.exit(failures === 0 ? 0 : 1);
