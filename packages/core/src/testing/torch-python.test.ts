import { describe, expect, it } from "vitest";
import { findTorchPython, torchPythonCandidates } from "./torch-python.js";

describe("torchPythonCandidates", () => {
  it("tries PATH's python3, then Debian's, unless TML_TORCH_PYTHON names one", () => {
    expect(torchPythonCandidates({})).toEqual(["python3", "/usr/bin/python3"]);
    expect(torchPythonCandidates({ TML_TORCH_PYTHON: "/opt/py/bin/python" })).toEqual([
      "/opt/py/bin/python",
    ]);
  });
});

describe("findTorchPython", () => {
  it("names each interpreter it tried when none imports torch", () => {
    const found = findTorchPython({ TML_TORCH_PYTHON: "/nonexistent/tml-python" });
    expect(found.command).toBeUndefined();
    expect(found.version).toBeUndefined();
    expect(found.description).toMatch(/no Python with PyTorch \(\/nonexistent\/tml-python: /);
    expect(found.description).toContain("TML_TORCH_PYTHON");
  });
});
