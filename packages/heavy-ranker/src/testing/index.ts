// Helpers for tests and benchmarks that compare the Heavy Ranker with its PyTorch reference
// (torch-reference/ at the repository root); not needed to train or score.
export {
  type TorchReferenceArchitecture,
  type TorchReferenceMlp,
  type TorchReferenceTower,
  torchReferenceArchitecture,
} from "./torch-architecture.js";
