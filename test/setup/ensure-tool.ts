/**
 * Makes sure a command-line tool the tests need (promtool from Debian's `prometheus`, for one) is
 * installed, so `npm test` passes on a fresh machine: when the tool is missing and the tests run
 * as root on a Debian-like system it is installed with apt-get; otherwise the error says how.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The tool's path when it is on PATH, else undefined. */
export async function findTool(tool: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("sh", ["-c", `command -v ${tool}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The tool's path, installing `debianPackage` first when the tool is missing. */
export async function ensureTool(tool: string, debianPackage: string): Promise<string> {
  const found = await findTool(tool);
  if (found) return found;
  const hint = `apt-get update && apt-get install -y --no-install-recommends ${debianPackage}`;
  if (process.getuid?.() !== 0) throw new Error(`${tool} is not installed and the tests are not running as root; install it with: sudo sh -c '${hint}'`);
  if (!(await findTool("apt-get"))) throw new Error(`${tool} is not installed and apt-get is not available; install the ${debianPackage} package`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Another process may hold the dpkg lock (a parallel test installing its own tool): wait for it.
  const lockWait = ["-o", "DPkg::Lock::Timeout=300"];
  try {
    await run("apt-get", [...lockWait, "update", "-qq"], { env, maxBuffer: 64 * 1024 * 1024 });
    await run("apt-get", [...lockWait, "install", "-y", "-qq", "--no-install-recommends", debianPackage], { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const output = e as { stderr?: string; message: string };
    throw new Error(`installing ${debianPackage} for ${tool} failed: ${output.stderr?.trim() || output.message}\nTry: ${hint}`);
  }
  const installed = await findTool(tool);
  if (!installed) throw new Error(`${debianPackage} was installed but ${tool} is still not on PATH`);
  return installed;
}
