/**
 * The Dockerfile, checked statically (no Docker daemon here): a build stage and a slim runtime
 * stage running the compiled gateway as a non-root user, with node as PID 1 (exec-form CMD) so
 * SIGTERM reaches the gateway's drain, a HEALTHCHECK on /healthz, the default port, and a
 * .dockerignore that keeps local state out of the build context but lets in what is copied.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { gatewayConfigSchema } from "../../gateway/src/config/schema.ts";
import { gatewayNodeFlags } from "../../gateway/src/node-flags.ts";

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile syntax as far as this file uses it: comments, `\` continuations, one instruction a line. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (current === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = "";
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === "FROM") {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      assert.ok(m, `FROM ${args}`);
      stages.push({ from: m[1]!, name: m[2], instructions: [] });
    } else if (instruction.keyword !== "ARG" || stages.length > 0) {
      assert.ok(stages.length > 0, `${keyword} before the first FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** An exec-form argument list (a JSON array), or undefined for the shell form. */
const execForm = (args: string): string[] | undefined => {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
};

const stages = parseDockerfile(readFileSync("Dockerfile", "utf8"));
const runtime = stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);
const defaults = gatewayConfigSchema.parse({});

describe("the Dockerfile", () => {
  it("builds in one stage and runs from a slim image in another, copying only the build's output", () => {
    assert.equal(stages.length, 2);
    assert.equal(stages[0]!.name, "build");
    assert.ok(all(stages[0]!, "RUN").some((r) => /npm ci\b/.test(r.args)) && all(stages[0]!, "RUN").some((r) => /npm run build/.test(r.args)));
    assert.ok(all(stages[0]!, "RUN").some((r) => /npm prune --omit=dev/.test(r.args)), "the runtime gets production dependencies only");
    assert.match(runtime.from, /^node:.*-slim$/);
    const fromBuild = all(runtime, "COPY").filter((c) => /--from=build\b/.test(c.args)).map((c) => c.args);
    assert.ok(fromBuild.some((a) => /\/app\/dist\/ /.test(a)), "the compiled gateway comes from the build stage");
    assert.ok(fromBuild.some((a) => /\/app\/node_modules\/ /.test(a)));
    assert.equal(all(runtime, "RUN").length, 0, "nothing is built or installed in the runtime stage");
  });

  it("runs node as PID 1 on the compiled entry point, in exec form, so SIGTERM reaches the gateway's drain", () => {
    assert.equal(all(runtime, "ENTRYPOINT").length, 0, "no wrapper in front of node");
    const cmd = execForm(last(runtime, "CMD")?.args ?? "");
    assert.deepEqual(cmd, ["node", ...gatewayNodeFlags, "dist/gateway/src/main.js"], "exec form: no /bin/sh -c between the runtime and node, with the gateway's node flags");
    assert.ok(readFileSync("package.json", "utf8").includes(`node ${[...gatewayNodeFlags, "dist/gateway/src/main.js"].join(" ")}`), "`npm run gateway` runs the same path with the same flags");
    const stop = last(runtime, "STOPSIGNAL");
    assert.ok(stop === undefined || stop.args === "SIGTERM");
  });

  it("runs as a non-root user, by number", () => {
    const user = last(runtime, "USER")?.args;
    assert.ok(user, "a USER in the runtime stage");
    const uid = user.split(":")[0]!;
    assert.match(uid, /^\d+$/, "numeric, so Kubernetes' runAsNonRoot can verify it");
    assert.notEqual(Number(uid), 0);
    const userIndex = runtime.instructions.findIndex((i) => i.keyword === "USER");
    assert.ok(runtime.instructions.findIndex((i) => i.keyword === "CMD") > userIndex, "USER comes before CMD");
  });

  it("checks health on /healthz at the gateway's port, in exec form", () => {
    const check = last(runtime, "HEALTHCHECK")?.args ?? "";
    const m = /^((?:--\S+\s+)*)CMD\s+(.*)$/.exec(check);
    assert.ok(m, `HEALTHCHECK ${check}`);
    const cmd = execForm(m[2]!);
    assert.ok(cmd, "exec form");
    assert.equal(cmd[0], "node", "the slim image has no curl: node's fetch asks");
    assert.ok(cmd.join(" ").includes("/healthz"));
  });

  it("listens on the config's default port on every interface, in production mode", () => {
    const env = all(runtime, "ENV").map((e) => e.args).join(" ");
    assert.match(env, new RegExp(`\\bPORT=${defaults.server.port}\\b`));
    assert.match(env, /\bHOST=0\.0\.0\.0\b/);
    assert.match(env, /\bNODE_ENV=production\b/);
    assert.equal(last(runtime, "EXPOSE")?.args, String(defaults.server.port));
  });

  it("copies only files that exist and that .dockerignore lets into the build context", () => {
    const ignored = readFileSync(".dockerignore", "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const must of ["node_modules", "dist", ".git", "data"]) assert.ok(ignored.includes(must), `.dockerignore leaves out ${must}`);
    const sources = stages.flatMap((s) => all(s, "COPY")).filter((c) => !/--from=/.test(c.args)).flatMap((c) => c.args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1));
    assert.ok(sources.length > 0);
    for (const source of sources) {
      const path = source.replace(/\/$/, "");
      assert.ok(existsSync(path), `${path} exists`);
      const top = path.split("/")[0]!;
      assert.ok(!ignored.includes(top) && !ignored.includes(path), `${path} is not left out by .dockerignore`);
    }
  });
});
