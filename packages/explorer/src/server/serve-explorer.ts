import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError, UsageError } from "@tml/core";

/** The built page (index.html, explorer.js, tfjs's .wasm files), bundled by `pnpm build`. */
export const PAGE_DIR = fileURLToPath(new URL("../../dist/page/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
};

/** A running explorer server. */
export interface ExplorerServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

/** Options of `serveExplorer`. */
export interface ServeExplorerOptions {
  /** The prepared `<run>/explorer` folder, served under `/data/`. */
  explorerDir: string;
  /** TCP port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

/**
 * Serves the explorer on 127.0.0.1 only: `/` the page, `/page/*` its bundle and tfjs's wasm
 * files, `/data/*` the run's explorer folder (GET and HEAD; nothing outside the two folders is
 * reachable). An unbuilt page is a NotFoundError; a port in use (or not allowed) a UsageError.
 */
export async function serveExplorer(options: ServeExplorerOptions): Promise<ExplorerServer> {
  if (!existsSync(join(PAGE_DIR, "index.html"))) {
    throw new NotFoundError(
      `the explorer page is not built (${PAGE_DIR}index.html is missing): run pnpm build`,
    );
  }
  const roots: Readonly<Record<string, string>> = {
    page: PAGE_DIR,
    data: resolve(options.explorerDir),
  };
  const server = createServer((request, response) => {
    const file = requestedFile(roots, request.url ?? "/");
    if (!file || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(file ? 405 : 404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200, {
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": body.byteLength,
      "cache-control": "no-store",
      // Cross-origin isolation: tfjs's wasm backend may then run its multi-threaded build.
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });
  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The file a request path names (`/` is the page), or undefined (malformed, unknown, outside). */
function requestedFile(roots: Readonly<Record<string, string>>, url: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, "http://localhost").pathname);
  } catch {
    return undefined;
  }
  const [, folder = "", ...rest] = path === "/" ? ["", "page", "index.html"] : path.split("/");
  return servedFile(roots[folder], rest.join("/"));
}

/** `name` inside `root` when it is an existing file there, else undefined. */
function servedFile(root: string | undefined, name: string): string | undefined {
  if (!root || name === "") return undefined;
  const file = resolve(root, name);
  const inside = relative(root, file);
  if (inside.startsWith("..") || inside.startsWith(sep) || !existsSync(file)) return undefined;
  return statSync(file).isFile() ? file : undefined;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "EADDRINUSE"
          ? "is in use"
          : error.code === "EACCES"
            ? "may not be opened by this user"
            : `cannot be opened (${error.code ?? error.message})`;
      fail(
        new UsageError(
          `port ${port} on 127.0.0.1 ${reason}: pass another --port, or --port 0 for any free one`,
          { cause: error },
        ),
      );
    });
    server.listen(port, "127.0.0.1", () => done((server.address() as AddressInfo).port));
  });
}
