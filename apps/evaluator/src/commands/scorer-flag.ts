import { UsageError } from "@tml/core";
import { SCORER_KINDS, type ScorerKind } from "@tml/heavy-ranker";

/** The `--scorer` line of the heavy-ranker and rank commands' help. */
export const SCORER_FLAG_HELP = `  --scorer KIND      tfjs (default: the tfjs model), onnx-fp32 (the model compiled to one ONNX
                     graph run by onnxruntime-node: the same probabilities to ~1e-6, faster) or
                     onnx-int8 (int8 dense layers: fastest; probabilities move by ~1e-3, so check
                     the AUC change); DCN and DLRM models score with tfjs only`;

/** The `--scorer` flag's value (default "tfjs"); anything else is a UsageError. */
export function scorerKind(command: string, text: string | undefined): ScorerKind {
  if (text === undefined) return "tfjs";
  if ((SCORER_KINDS as readonly string[]).includes(text)) return text as ScorerKind;
  throw new UsageError(
    `${command}: --scorer must be one of ${SCORER_KINDS.join(", ")}, got "${text}". Run "${command} --help".`,
  );
}
