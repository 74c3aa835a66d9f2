/**
 * deploy/kubernetes/ holds valid Kubernetes objects that agree with the gateway: each manifest
 * is validated offline against the Kubernetes API schemas (kubernetes-models: its validators
 * check types, required fields and formats, and its TypeScript types, checked by the compiler,
 * refuse unknown fields, so a misspelt key such as `readinesProbe` fails here instead of being
 * silently dropped by the API server), and the ports, paths and grace periods in the
 * Deployment match the gateway's config as the ConfigMap sets it, with the schema's defaults.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { validateConfig } from "../../gateway/src/config/load.ts";
import { gatewayConfigSchema } from "../../gateway/src/config/schema.ts";
import { supergraphConfigMap } from "../../deploy/kubernetes/supergraph-configmap.ts";

const DIR = resolve("deploy/kubernetes");
const KUSTOMIZATION = "kustomization.yaml";

interface Manifest {
  file: string;
  doc: Record<string, any>;
}

const manifestFiles = readdirSync(DIR).filter((f) => f.endsWith(".yaml") && f !== KUSTOMIZATION).sort();
const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), "utf8")).map((d) => {
    assert.deepEqual(d.errors, [], `${file} is valid YAML`);
    return { file, doc: d.toJS() as Record<string, any> };
  }),
);
const find = (kind: string, name?: string) => {
  const m = manifests.find((x) => x.doc.kind === kind && (name === undefined || x.doc.metadata?.name === name));
  assert.ok(m, `a ${kind}${name ? ` named ${name}` : ""} is in deploy/kubernetes`);
  return m.doc;
};
/** Where kubernetes-models keeps a kind: `v1/ConfigMap`, `apps/v1/Deployment`. */
const modelPath = (doc: Record<string, any>) => `kubernetes-models/${doc.apiVersion}/${doc.kind}`;

const defaults = gatewayConfigSchema.parse({});
const deployment = () => find("Deployment", "gateway");
const pod = () => deployment().spec.template;
const container = () => pod().spec.containers.find((c: any) => c.name === "gateway");
const gatewayConfig = () => {
  const data = find("ConfigMap", "gateway-config").data as Record<string, string>;
  const [key, text] = Object.entries(data)[0]!;
  return { key, config: validateConfig(parseAllDocuments(text)[0]!.toJS(), { REDIS_URL: "redis://redis.example:6379/0" }) };
};
const mountOf = (volumeFromConfigMap: string) => {
  const volume = pod().spec.volumes.find((v: any) => v.configMap?.name === volumeFromConfigMap);
  assert.ok(volume, `a volume mounts the ConfigMap ${volumeFromConfigMap}`);
  const mount = container().volumeMounts.find((m: any) => m.name === volume.name);
  assert.ok(mount, `the container mounts ${volume.name}`);
  return mount.mountPath as string;
};
const portNumber = (name: string) => container().ports.find((p: any) => p.name === name)?.containerPort as number | undefined;

describe("the Kubernetes manifests", () => {
  it("each pass kubernetes-models' validation of their kind", async () => {
    assert.ok(manifests.length >= 6, `found ${manifests.length} objects`);
    for (const { file, doc } of manifests) {
      const mod = (await import(modelPath(doc))) as Record<string, new (data: unknown) => { validate(): void }>;
      const Model = mod[doc.kind];
      assert.ok(Model, `${file}: kubernetes-models knows ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`);
    }
  });

  it("have no field the Kubernetes API does not define (the compiler's excess-property check on kubernetes-models' types)", () => {
    const virtual = resolve("test/deploy/__manifests__.ts");
    // Two lines per object: its type's import, then the object as a typed literal.
    const source = manifests
      .map(({ doc }, i) => `import type { I${doc.kind} as T${i} } from "${modelPath(doc)}";\nexport const m${i}: T${i} = ${JSON.stringify(doc)};`)
      .join("\n");
    const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, lang, ...rest) => (resolve(name) === virtual ? ts.createSourceFile(name, source, lang) : getSourceFile.call(host, name, lang, ...rest));
    host.fileExists = (name) => resolve(name) === virtual || fileExists.call(host, name);
    host.readFile = (name) => (resolve(name) === virtual ? source : readFile.call(host, name));
    const program = ts.createProgram([virtual], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
      const m = manifests[Math.floor(line / 2)];
      return `${m ? `${m.file} (${m.doc.kind} ${m.doc.metadata?.name})` : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
    assert.deepEqual(problems, []);
  });

  it("are all listed in kustomization.yaml, so `kubectl apply -k` applies every one", () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, KUSTOMIZATION), "utf8"))[0]!.toJS() as { resources: string[] };
    assert.deepEqual([...kustomization.resources].sort(), manifestFiles);
  });

  it("carry a gateway config that the gateway's schema accepts, mounted where GATEWAY_CONFIG points", () => {
    const { key } = gatewayConfig();
    const env = container().env.find((e: any) => e.name === "GATEWAY_CONFIG");
    assert.equal(env?.value, `${mountOf("gateway-config")}/${key}`);
  });

  it("carry the committed supergraph, mounted where the config's supergraph.path points", () => {
    assert.equal(
      readFileSync(join(DIR, "supergraph-configmap.yaml"), "utf8"),
      supergraphConfigMap(readFileSync("schema/supergraph.graphql", "utf8")),
      "supergraph-configmap.yaml is stale: run `npm run deploy:supergraph`",
    );
    const key = Object.keys(find("ConfigMap", "gateway-supergraph").data)[0];
    assert.equal(gatewayConfig().config.supergraph.path, `${mountOf("gateway-supergraph")}/${key}`);
  });

  it("open the ports the gateway listens on, with the schema's default server.port", () => {
    const { config } = gatewayConfig();
    assert.equal(config.server.port, defaults.server.port, "the ConfigMap keeps the default port");
    assert.equal(portNumber("http"), config.server.port);
    assert.equal(config.server.host, "0.0.0.0", "the gateway listens beyond the pod's loopback");
    const service = find("Service", "gateway");
    assert.deepEqual(service.spec.ports.map((p: any) => p.targetPort), ["http"]);
    for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(pod().metadata.labels[k], v, "the Service selects the gateway's pods");
  });

  it("annotate the metrics port and path for Prometheus as the config serves them", () => {
    const { config } = gatewayConfig();
    const annotations = pod().metadata.annotations;
    assert.equal(annotations["prometheus.io/scrape"], "true");
    assert.equal(config.telemetry.metrics.enabled, true);
    assert.equal(annotations["prometheus.io/port"], String(config.telemetry.metrics.port));
    assert.equal(portNumber("metrics"), config.telemetry.metrics.port);
    assert.equal(annotations["prometheus.io/path"], config.telemetry.metrics.path);
    assert.equal(config.telemetry.metrics.path, defaults.telemetry.metrics.path);
  });

  it("probe readiness on /readyz and liveness on /healthz, on the gateway's port", () => {
    const c = container();
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "http" });
    assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "http" });
  });

  it("give the pod the preStop delay plus server.drainDelayMs and shutdownGraceMs plus a margin to close before it is killed", () => {
    const { config } = gatewayConfig();
    assert.equal(config.server.shutdownGraceMs, defaults.server.shutdownGraceMs, "the ConfigMap keeps the default grace period");
    const command = container().lifecycle.preStop.exec.command as string[];
    assert.equal(command[0], "sleep");
    const preStopSeconds = Number(command[1]);
    assert.ok(preStopSeconds > 0);
    // The margin covers closing Redis, the exporters and the subgraph pools after the drain.
    const closeMarginSeconds = 5;
    const gatewaySeconds = (config.server.drainDelayMs + config.server.shutdownGraceMs) / 1000;
    assert.equal(pod().spec.terminationGracePeriodSeconds, preStopSeconds + gatewaySeconds + closeMarginSeconds);
  });

  it("read REDIS_URL from a Secret, and the config shares limits and APQ through it", () => {
    const env = container().env.find((e: any) => e.name === "REDIS_URL");
    assert.ok(env?.valueFrom?.secretKeyRef?.name && env.valueFrom.secretKeyRef.key, "REDIS_URL comes from a secretKeyRef");
    assert.equal(env.value, undefined, "no Redis URL (with its password) in the manifests");
    const { config } = gatewayConfig();
    assert.equal(config.limits?.store.redis?.url, "redis://redis.example:6379/0");
    assert.equal(config.operations.persisted.redis?.url, "redis://redis.example:6379/0");
  });

  it("request CPU and memory, and scale on CPU between at least three replicas", () => {
    const { requests } = container().resources;
    assert.ok(requests.cpu && requests.memory);
    const hpa = find("HorizontalPodAutoscaler", "gateway");
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "gateway" });
    assert.equal(hpa.spec.metrics[0].resource.name, "cpu");
    assert.ok(hpa.spec.minReplicas >= 3);
    assert.ok(deployment().spec.replicas >= hpa.spec.minReplicas);
  });

  it("let voluntary disruptions take at most one replica, selected by the pods' labels", () => {
    const pdb = find("PodDisruptionBudget", "gateway");
    assert.equal(pdb.spec.maxUnavailable, 1);
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(pod().metadata.labels[k], v);
    assert.equal(deployment().spec.strategy.rollingUpdate.maxUnavailable, 0, "a rollout never lowers capacity");
  });

  it("run as the image's non-root user", () => {
    const dockerUser = /^USER\s+(\d+)/m.exec(readFileSync("Dockerfile", "utf8"))?.[1];
    assert.equal(pod().spec.securityContext.runAsNonRoot, true);
    assert.equal(String(pod().spec.securityContext.runAsUser), dockerUser);
  });
});
