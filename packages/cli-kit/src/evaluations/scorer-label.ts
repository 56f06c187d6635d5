import type { ScorerKind } from "@tml/heavy-ranker";

/** How output and reports name a scorer: "tfjs", "ONNX fp32 (onnxruntime-node 1.30.0)". */
export function scorerLabel(kind: ScorerKind, runtimeVersion?: string): string {
  if (kind === "tfjs") return "tfjs";
  const runtime = runtimeVersion ? `onnxruntime-node ${runtimeVersion}` : "onnxruntime-node";
  return `ONNX ${kind === "onnx-int8" ? "int8" : "fp32"} (${runtime})`;
}
