// Module hooks for check.mjs (registered with `module.register`), so that GitHub's parser is
// loaded exactly as it ships, from where scripts/install-workflow-parser put it:
//
// - resolve: `@actions/workflow-parser` (and its subpaths) is looked up from the install
//   folder under target/, not from this folder, through the package's own `exports`;
// - load: the parser imports its JSON schemas (`import ActionSchema from
//   "../action-v1.0.min.json"`) without an import attribute, which Node 20 and later refuse
//   (ERR_IMPORT_ATTRIBUTE_MISSING); a JSON file of the install folder gets
//   `with { type: "json" }` here instead of an edit under node_modules.

let installed; // file: URL of the install folder, ending in "/"

export function initialize(data) {
  installed = data.installed;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "@actions/workflow-parser" || specifier.startsWith("@actions/workflow-parser/")) {
    return nextResolve(specifier, { ...context, parentURL: `${installed}package.json` });
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  const attributes = context.importAttributes ?? {};
  if (url.startsWith(installed) && url.endsWith(".json") && attributes.type === undefined) {
    return nextLoad(url, { ...context, importAttributes: { ...attributes, type: "json" } });
  }
  return nextLoad(url, context);
}
