export { writeFileAtomic } from "./atomic-write.js";
export { crc32c, maskCrc32c, maskedCrc32c } from "./crc32c.js";
export { pathInside } from "./path-inside.js";
