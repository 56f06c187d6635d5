export {
  readSafetensors,
  readSafetensorsTensor,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
  writeSafetensors,
} from "./safetensors.js";
