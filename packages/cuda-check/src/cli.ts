import { main } from "./main.js";

// Thin wrapper: all behaviour lives in main() so tests can run it without spawning a process.
process.exitCode = main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
