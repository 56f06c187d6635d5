export { convertKnowledgeGraph, type KnowledgeGraphOptions } from "./knowledge-graph.js";
