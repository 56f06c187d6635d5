import type { Logger } from "@tml/core";
import { NotFoundError } from "@tml/core";
import { writeEmbeddings } from "../export/embedding-files.js";
import { loadTwhinModel } from "./load-model.js";
import { type ConfigSource, resolveConfig } from "./resolve-config.js";

/** Options of `exportEmbeddings`. */
export interface ExportEmbeddingsOptions {
  config: ConfigSource;
  overrides?: readonly string[];
  /** Checkpoint folder or save dir (newest); default `training.save_dir`. */
  checkpoint?: string;
  outDir: string;
  format?: "parquet" | "arrow";
  /** Entity types to export (default all). */
  tables?: readonly string[];
  rowsPerFile?: number;
  logger?: Logger;
}

/** Exports a checkpoint's embedding tables (entity_type, id, embedding) to Parquet or Arrow files. */
export async function exportEmbeddings(
  options: ExportEmbeddingsOptions,
): Promise<{ files: string[]; checkpoint: string }> {
  const config = resolveConfig(options.config, options.overrides);
  const { model, path } = await loadTwhinModel(
    config,
    options.checkpoint ?? config.training.save_dir,
  );
  const wanted = options.tables ?? model.tables.map((t) => t.name);
  const tables = wanted.map((name) => model.tables[model.tableIndex(name)]!);
  if (tables.length === 0) throw new NotFoundError("No tables selected for export.");
  const files = await writeEmbeddings(tables, options.outDir, {
    format: options.format ?? "parquet",
    ...(options.rowsPerFile ? { rowsPerFile: options.rowsPerFile } : {}),
  });
  options.logger?.info("exported embeddings", {
    checkpoint: path,
    files: files.length,
    out_dir: options.outDir,
  });
  return { files, checkpoint: path };
}
