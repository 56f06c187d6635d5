export {
  EMBEDDING_EXPORT_COLUMNS,
  type PretrainedTable,
  readPretrainedTable,
} from "./pretrained-table.js";
