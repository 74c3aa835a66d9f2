/**
 * `server.workers` > 1 (or `--workers N`): the primary process forks N workers on
 * `node:cluster`, each a whole gateway, sharing the listening port (the primary accepts
 * connections and hands them out round-robin), so every core serves. The primary serves
 * nothing itself; it supervises:
 *
 * - SIGTERM / SIGINT: every worker is told to drain (an IPC message, not a signal, so a worker
 *   that also got the terminal's SIGINT does not take it as a second, "exit now" signal); the
 *   primary exits once all have exited, or kills what is left after the grace period.
 * - SIGHUP: passed on, so every worker reloads the supergraph.
 * - A worker that dies outside shutdown is replaced after `respawnDelayMs`.
 *
 * Each worker keeps its own state: query-plan cache, in-flight dedup table, balancer health,
 * metrics registry and, unless `limits.store.redis` is set, its own rate-limit counters (so a
 * client's effective limit is up to N times the configured one, depending on which worker its
 * connections land on).
 */
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../logging/logger.ts";

/** The message a worker drains and exits on. */
export const SHUTDOWN_MESSAGE = "gateway:shutdown";

export interface SuperviseOptions {
  workers: number;
  logger: Logger;
  /** How long workers get to drain before they are killed. */
  shutdownGraceMs: number;
  respawnDelayMs?: number;
}

/** True in the process that should run a gateway (a worker, or the only process). */
export function servesRequests(workers: number): boolean {
  return workers <= 1 || cluster.isWorker;
}

/** Runs in the primary: forks and supervises `workers` gateway workers until told to stop. */
export function superviseWorkers({ workers, logger, shutdownGraceMs, respawnDelayMs = 1_000 }: SuperviseOptions): void {
  let stopping = false;
  const live = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once("exit", (code, signal) => {
      live.delete(worker);
      if (stopping) {
        if (live.size === 0) {
          logger.info("every worker stopped");
          logger.flush();
          process.exit(0);
        }
        return;
      }
      logger.error({ worker: worker.process.pid, code, signal }, "gateway worker died; starting another");
      setTimeout(() => {
        if (!stopping) fork();
      }, respawnDelayMs).unref();
    });
  };
  for (let i = 0; i < workers; i++) fork();
  logger.info({ workers }, "gateway primary started its workers");

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: killing the workers without draining");
      for (const w of live) w.process.kill("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, workers: live.size }, "shutdown requested: draining every worker");
    if (live.size === 0) process.exit(0);
    for (const w of live) if (w.isConnected()) w.send(SHUTDOWN_MESSAGE);
    // Workers drain within the same grace period; a margin covers their own closing work.
    setTimeout(() => {
      logger.warn({ left: live.size }, "workers still running after the grace period: killing them");
      for (const w of live) w.process.kill("SIGKILL");
      process.exit(1);
    }, shutdownGraceMs + 5_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", () => {
    for (const w of live) w.process.kill("SIGHUP");
  });
}

/** This worker's number (1…N) in a cluster; undefined outside one. */
export function workerId(): number | undefined {
  return cluster.worker?.id;
}

/** In a worker: calls `drain` when the primary says so, or when the primary is gone (no orphans). */
export function onPrimaryShutdown(drain: () => void): void {
  if (!cluster.isWorker) return;
  process.on("message", (message) => {
    if (message === SHUTDOWN_MESSAGE) drain();
  });
  process.once("disconnect", drain);
}
