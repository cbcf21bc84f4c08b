// Parses GitHub Actions files with GitHub's own parser, @actions/workflow-parser (the parser
// behind GitHub's Actions language service), pinned by package.json and package-lock.json
// beside this file and installed under target/ by scripts/install-workflow-parser:
//
//   node scripts/workflow-parser/check.mjs FILE...
//
// A file named action.yml or action.yaml goes through parseAction and convertActionTemplate,
// any other through parseWorkflow and convertWorkflowTemplate. Prints one line per file,
// `FILE: ok` or `FILE: N error(s)`, then each error as the parser gives it (with its line
// and column). Exit status: 0 when every file has 0 errors, 1 when one has any, 2 when the
// parser cannot be run (not installed, Node too old, a file unreadable).
//
// WORKFLOW_PARSER_DIR names the install folder (default: TARGET/workflow-parser, TARGET
// being $CARGO_TARGET_DIR or the repository's target/).

import { existsSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function fail(message) {
  console.error(`workflow-parser: ${message}`);
  process.exit(2);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 6)) {
  fail(`Node ${process.versions.node} is too old: module.register needs Node 20.6 or later`);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const target = process.env.CARGO_TARGET_DIR || "target";
const installed = process.env.WORKFLOW_PARSER_DIR ||
  join(isAbsolute(target) ? target : join(root, target), "workflow-parser");
if (!existsSync(join(installed, "node_modules/@actions/workflow-parser/package.json"))) {
  fail(`@actions/workflow-parser is not installed in ${installed}: run scripts/install-workflow-parser ` +
    "(a step of scripts/test), or set WORKFLOW_PARSER_DIR to the folder it installed into");
}

register("./hooks.mjs", import.meta.url, {
  data: { installed: pathToFileURL(installed).href.replace(/\/?$/, "/") },
});
const { NoOperationTraceWriter, parseWorkflow, convertWorkflowTemplate } =
  await import("@actions/workflow-parser");
const { parseAction, convertActionTemplate } = await import("@actions/workflow-parser/actions/index");

/** The parser's errors for one file, as strings. */
async function errors(path) {
  let content;
  try {
    content = readFileSync(path, "utf8");
  } catch (e) {
    fail(`cannot read ${path}: ${e.message}`);
  }
  const file = { name: path, content };
  const trace = new NoOperationTraceWriter();
  if (/^action\.ya?ml$/.test(basename(path))) {
    const parsed = parseAction(file, trace);
    if (parsed.value !== undefined) {
      convertActionTemplate(parsed.context, parsed.value);
    }
    return parsed.context.errors.getErrors().map((e) => e.message);
  }
  const parsed = parseWorkflow(file, trace);
  if (parsed.value !== undefined) {
    await convertWorkflowTemplate(parsed.context, parsed.value);
  }
  return parsed.context.errors.getErrors().map((e) => e.message);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  fail("no file given (usage: node scripts/workflow-parser/check.mjs FILE...)");
}
let failed = false;
for (const path of files) {
  const found = await errors(path);
  if (found.length === 0) {
    console.log(`${path}: ok`);
  } else {
    failed = true;
    console.log(`${path}: ${found.length} error(s)`);
    for (const message of found) {
      console.log(`  ${message}`);
    }
  }
}
process.exit(failed ? 1 : 0);
