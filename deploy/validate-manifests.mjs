#!/usr/bin/env node
// Validates the Kubernetes manifests offline: `node deploy/validate-manifests.mjs [file|dir|-]...`
// (default: deploy/k8s; `-` reads a multi-document stream such as `kubectl kustomize deploy/k8s`).
// Exits 1 with one line per problem, 0 when every document passes.
//
// Why this tool:
// - kubeconform is not packaged for Debian bookworm, and it fetches its schemas from GitHub at run
//   time unless given a local copy, which no package we can install here ships.
// - kubectl (on some machines here) validates against the OpenAPI document of a live API server:
//   `--dry-run=client` still needs one. `kubectl kustomize` is offline, and .ci/run uses it to
//   render deploy/k8s when kubectl is there, but it checks no schema.
// - kubernetes-models (npm, devDependency, exact pin) ships every built-in kind of Kubernetes 1.33
//   with its JSON schema from the upstream OpenAPI document compiled into an ajv validator: types,
//   enums, required fields and formats (quantities, int-or-string, ...), with no network at all.
//   Version 4.5.1 because 5.x asks for Node 22 and the project runs on Node 20.
// - Those validators do not reject unknown fields (the upstream schemas carry no
//   `additionalProperties: false`), so a misspelled field would pass. This script adds that check,
//   as kubeconform's -strict does: it runs each validator on a Proxy of the document that records
//   which properties the validator looks up, and any key it never looked up is not in the schema.
//   Maps (labels, ConfigMap data, resource limits) are enumerated by the validator, not looked up
//   key by key, so their keys are accepted. A free-form object would be reported; none is used here.
//
// On top of the schemas, a few rules of this project (see checkConventions): probes, resources and
// the security context on every container, references that resolve (ConfigMap, Secret, Service
// selectors, HPA and PDB targets), a termination grace period above the app's own shutdown bound,
// and, once `npm run build` has run, the ConfigMap and Secret parsed by the app's own config schema.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadAll } from 'js-yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const report = (where, message) => problems.push(`${where}: ${message}`);

// ---- reading ---------------------------------------------------------------------------------

function yamlFilesIn(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .sort()
      .flatMap((name) => yamlFilesIn(join(path, name)));
  }
  return /\.ya?ml$/.test(path) ? [path] : [];
}

/** Every document of every input, with where it came from. */
function readDocuments(inputs) {
  const documents = [];
  for (const input of inputs) {
    const files = input === '-' ? ['-'] : yamlFilesIn(resolve(input));
    if (files.length === 0) {
      report(input, 'no YAML files');
    }
    for (const file of files) {
      const name = file === '-' ? '<stdin>' : relative(root, file);
      let parsed;
      try {
        parsed = loadAll(readFileSync(file === '-' ? 0 : file, 'utf8'));
      } catch (error) {
        report(name, `not valid YAML: ${error.message.split('\n')[0]}`);
        continue;
      }
      parsed.forEach((doc, index) => {
        if (doc !== null && doc !== undefined) {
          documents.push({ doc, where: `${name}#${index + 1}`, file });
        }
      });
    }
  }
  return documents;
}

// ---- schema validation -----------------------------------------------------------------------

/** kubernetes-models lays its kinds out as `<group>/<version>/<Kind>`, the core group as `v1/<Kind>`. */
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9]+$/.test(kind)) {
    return undefined;
  }
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

/** Wraps `value` so that every property the validator looks up, or enumerates, is recorded. */
function tracked(value, seen) {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  let entry = seen.get(value);
  if (entry === undefined) {
    entry = { read: new Set(), enumerated: false, proxy: undefined };
    seen.set(value, entry);
    entry.proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') {
          entry.read.add(key);
        }
        return tracked(Reflect.get(target, key, receiver), seen);
      },
      has(target, key) {
        if (typeof key === 'string') {
          entry.read.add(key);
        }
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        if (typeof key === 'string') {
          entry.read.add(key);
        }
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys(target) {
        entry.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  }
  return entry.proxy;
}

/** The JSON pointers of keys the schema does not know. */
function unknownFields(value, seen, path = '') {
  if (value === null || typeof value !== 'object') {
    return [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => unknownFields(item, seen, `${path}/${index}`));
  }
  const entry = seen.get(value);
  return Object.keys(value).flatMap((key) => {
    const known = entry !== undefined && (entry.enumerated || entry.read.has(key));
    return known ? unknownFields(value[key], seen, `${path}/${key}`) : [`${path}/${key}`];
  });
}

async function validateSchema({ doc, where }) {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    report(where, 'not a Kubernetes object');
    return;
  }
  const { apiVersion, kind } = doc;
  const Model = await modelFor(apiVersion, kind);
  if (Model === undefined) {
    report(where, `no schema for apiVersion ${JSON.stringify(apiVersion)}, kind ${JSON.stringify(kind)}`);
    return;
  }
  const seen = new WeakMap();
  try {
    Model.prototype.validate.call(tracked(doc, seen));
  } catch (error) {
    const errors = Array.isArray(error.errors)
      ? error.errors
      : [{ instancePath: '', message: error.message }];
    for (const e of errors) {
      const allowed = e.params?.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : '';
      report(where, `${kind} ${e.instancePath || '/'} ${e.message}${allowed}`);
    }
  }
  for (const pointer of unknownFields(doc, seen)) {
    report(where, `${kind} ${pointer} is not a field of ${apiVersion} ${kind}`);
  }
}

// ---- kustomization ---------------------------------------------------------------------------

/** Every listed resource exists, and every manifest beside the kustomization is listed. */
function checkKustomization({ doc, where, file }) {
  const dir = dirname(file);
  const listed = new Set(doc.resources ?? []);
  for (const resource of listed) {
    if (!existsSync(join(dir, resource))) {
      report(where, `resources lists ${resource}, which does not exist`);
    }
  }
  for (const name of readdirSync(dir)) {
    if (/\.ya?ml$/.test(name) && !/^kustomization\.ya?ml$/.test(name) && !listed.has(name)) {
      report(where, `${name} is not listed in resources`);
    }
  }
}

// ---- conventions -----------------------------------------------------------------------------

const name = (doc) => doc.metadata?.name;
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

/** The app's shutdown bound when nothing overrides it: production grace 5 s, drain 10 s, then 5 s. */
function shutdownBoundMs(env) {
  const grace = Number(env.SHUTDOWN_GRACE_MS ?? (env.NODE_ENV === 'production' ? 5000 : 0));
  const drain = Number(env.SHUTDOWN_DRAIN_MS ?? 10_000);
  return grace + drain + 5000;
}

/** The environment a container sees from its envFrom ConfigMaps and Secrets and its own env. */
function containerEnv(container, configMaps, secrets, where) {
  const env = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const map = configMaps.get(source.configMapRef.name);
      if (map === undefined && !source.configMapRef.optional) {
        report(where, `envFrom names ConfigMap ${source.configMapRef.name}, which is not defined`);
      }
      Object.assign(env, map?.data);
    }
    if (source.secretRef) {
      const secret = secrets.get(source.secretRef.name);
      if (secret === undefined && !source.secretRef.optional) {
        report(where, `envFrom names Secret ${source.secretRef.name}, which is not defined`);
      }
      const decoded = Object.fromEntries(
        Object.entries(secret?.data ?? {}).map(([key, value]) => [
          key,
          Buffer.from(value, 'base64').toString(),
        ]),
      );
      Object.assign(env, decoded, secret?.stringData);
    }
  }
  // The repository's Secret holds placeholders, which the app refuses in production as it should
  // (anyone could sign tokens with them): they stand for the operator's own values, so one stands in here.
  if (typeof env.JWT_SECRET === 'string' && /REPLACE-ME/.test(env.JWT_SECRET)) {
    env.JWT_SECRET = 'f'.repeat(64);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
    }
  }
  return env;
}

async function loadAppConfigLoader() {
  const path = join(root, 'dist/libs/config/src/load-config.js');
  if (!existsSync(path)) {
    console.log('note: dist/ is missing (npm run build): the app config check is skipped');
    return undefined;
  }
  return (await import(pathToFileURL(path).href)).loadConfig;
}

async function checkConventions(documents) {
  const of = (kind) => documents.filter(({ doc }) => doc?.kind === kind);
  const configMaps = new Map(of('ConfigMap').map(({ doc }) => [name(doc), doc]));
  const secrets = new Map(of('Secret').map(({ doc }) => [name(doc), doc]));
  const deployments = of('Deployment');
  const loadConfig = deployments.length > 0 ? await loadAppConfigLoader() : undefined;

  for (const { doc, where } of deployments) {
    const pod = doc.spec?.template?.spec ?? {};
    const podLabels = doc.spec?.template?.metadata?.labels;
    if (!matches(doc.spec?.selector?.matchLabels, podLabels)) {
      report(where, `Deployment ${name(doc)}: the selector does not match the pod template's labels`);
    }
    for (const container of pod.containers ?? []) {
      const at = `${where}: container ${container.name}`;
      const missing = (what) => problems.push(`${at}: ${what}`);
      if (!container.livenessProbe) {
        missing('no livenessProbe');
      }
      if (!container.readinessProbe) {
        missing('no readinessProbe');
      }
      for (const kind of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (container.resources?.[kind]?.[resource] === undefined) {
            missing(`no resources.${kind}.${resource}`);
          }
        }
      }
      const security = container.securityContext ?? {};
      if (security.readOnlyRootFilesystem !== true) {
        missing('securityContext.readOnlyRootFilesystem is not true');
      }
      if (security.allowPrivilegeEscalation !== false) {
        missing('securityContext.allowPrivilegeEscalation is not false');
      }
      if ((security.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) {
        missing('runAsNonRoot is not true');
      }

      const env = containerEnv(container, configMaps, secrets, at);
      const isBff = /\/(mobile|web)-bff\//.test((container.command ?? []).join(' '));
      if (isBff) {
        const boundMs = shutdownBoundMs(env);
        const graceS = pod.terminationGracePeriodSeconds ?? 30;
        if (graceS * 1000 <= boundMs) {
          missing(
            `terminationGracePeriodSeconds ${graceS} s is not above the app's shutdown bound of ${boundMs / 1000} s`,
          );
        }
        if (loadConfig) {
          try {
            loadConfig(env);
          } catch (error) {
            const reasons = error.message
              .split('\n')
              .slice(1)
              .map((line) => line.replace(/^\s*-\s*/, ''));
            missing(
              `the app refuses its environment: ${reasons.filter(Boolean).join('; ') || error.message}`,
            );
          }
        }
      }
    }
  }

  const podsOf = deployments.map(({ doc }) => doc.spec?.template?.metadata?.labels ?? {});
  for (const { doc, where } of of('Service')) {
    if (doc.spec?.selector && !podsOf.some((labels) => matches(doc.spec.selector, labels))) {
      report(where, `Service ${name(doc)}: its selector matches no Deployment's pods`);
    }
  }
  for (const { doc, where } of of('PodDisruptionBudget')) {
    if (!podsOf.some((labels) => matches(doc.spec?.selector?.matchLabels, labels))) {
      report(where, `PodDisruptionBudget ${name(doc)}: its selector matches no Deployment's pods`);
    }
  }
  for (const { doc, where } of of('HorizontalPodAutoscaler')) {
    const target = doc.spec?.scaleTargetRef ?? {};
    const deployment = deployments.find(
      ({ doc: d }) => target.kind === 'Deployment' && name(d) === target.name,
    );
    if (deployment === undefined) {
      report(where, `HorizontalPodAutoscaler ${name(doc)}: no Deployment named ${target.name}`);
    } else if ((doc.spec.minReplicas ?? 1) < 2) {
      report(where, `HorizontalPodAutoscaler ${name(doc)}: minReplicas below 2 leaves a single pod`);
    }
  }
}

// ---- main ------------------------------------------------------------------------------------

const inputs = process.argv.slice(2);
const documents = readDocuments(inputs.length > 0 ? inputs : [join(root, 'deploy/k8s')]);
for (const document of documents) {
  if (document.doc?.kind === 'Kustomization') {
    if (document.file !== '-') {
      checkKustomization(document);
    }
  } else {
    await validateSchema(document);
  }
}
await checkConventions(documents.filter(({ doc }) => doc?.kind !== 'Kustomization'));

const kinds = documents.map(({ doc }) => doc?.kind).filter(Boolean);
if (problems.length > 0) {
  for (const problem of problems) {
    console.error(problem);
  }
  console.error(`\n${problems.length} problem(s) in ${documents.length} document(s)`);
  process.exit(1);
}
console.log(
  `${documents.length} document(s) valid (Kubernetes 1.33 schemas, strict): ${[...new Set(kinds)].join(', ')}`,
);
