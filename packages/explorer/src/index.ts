export {
  EXPLORER_FOLDER,
  type PreparedExplorer,
  prepareExplorer,
} from "./prepare/prepare-explorer.js";
export {
  type ExplorerServer,
  type ServeExplorerOptions,
  serveExplorer,
} from "./server/serve-explorer.js";
export type { ExplorerManifest } from "./shared/explorer-manifest.js";
