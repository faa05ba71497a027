// Parses PowerShell scripts with the tree-sitter PowerShell grammar and reports every syntax
// error (ERROR or MISSING node) with its position. Used by tests/checks/check-powershell.sh.
import { Parser, Language } from 'web-tree-sitter';
import fs from 'fs';
import path from 'path';

const modules = process.env.PS_SYNTAX_MODULES;
await Parser.init();
const language = await Language.load(
  path.join(modules, 'tree-sitter-powershell', 'tree-sitter-powershell.wasm'));
const parser = new Parser();
parser.setLanguage(language);

let errors = 0;
for (const file of process.argv.slice(2)) {
  const tree = parser.parse(fs.readFileSync(file, 'utf8'));
  const found = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) found.push(node);
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  for (const node of found) {
    const what = node.isMissing ? `missing ${node.type}` : 'syntax error';
    console.log(`${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${what} near ${JSON.stringify(node.text.slice(0, 60))}`);
  }
  errors += found.length;
}
console.log(`PowerShell syntax: ${process.argv.length - 2} files, ${errors} errors`);
process.exit(errors === 0 ? 0 : 1);
