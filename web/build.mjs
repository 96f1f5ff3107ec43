// Builds dist/ (what the server embeds) from src/ and static/. The output
// depends only on the sources and the pinned packages, so a rebuild of an
// unchanged tree is byte for byte the committed one (the test command checks).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
for (const name of readdirSync("static")) {
  copyFileSync(`static/${name}`, `dist/${name}`);
}
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: "dist/app.js",
  legalComments: "none",
  logLevel: "warning",
});
